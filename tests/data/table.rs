use tunelab::core::data::{parse_classification, parse_table, ClsExample, Severity, TableOptions};

use super::{clean, error_lines, expect};

fn table(text: &str) -> tunelab::core::data::Parsed<Vec<ClsExample>> {
    parse_table(text.as_bytes(), &TableOptions::default())
}

fn pairs(examples: &[ClsExample]) -> Vec<(&str, &str, usize)> {
    examples.iter().map(|e| (e.text.as_str(), e.label.as_str(), e.line)).collect()
}

#[test]
fn csv_with_quoted_fields_keeps_line_numbers() {
    let parsed = table("text,label\n\"Hello, world\",pos\n\"two\nlines\",neg\n\"say \"\"hi\"\"\",pos\nplain,1\n");
    clean(&parsed.diagnostics);
    assert_eq!(
        pairs(&parsed.value),
        vec![("Hello, world", "pos", 2), ("two\nlines", "neg", 3), ("say \"hi\"", "pos", 5), ("plain", "1", 6)]
    );
}

#[test]
fn semicolon_is_sniffed_from_the_header() {
    let parsed = table("id;Review;Sentiment\n1;good, really;positive\n2;bad;negative\n");
    clean(&parsed.diagnostics);
    assert_eq!(pairs(&parsed.value), vec![("good, really", "positive", 2), ("bad", "negative", 3)]);
}

#[test]
fn tsv_reads_quotes_literally() {
    let parsed = table("sentence\tlabel\n\"a quoted start 'n more\t1\nit 's \"fine\"\t0\n");
    clean(&parsed.diagnostics);
    assert_eq!(pairs(&parsed.value), vec![("\"a quoted start 'n more", "1", 2), ("it 's \"fine\"", "0", 3)]);
}

#[test]
fn columns_found_by_name_case_insensitively_in_any_order() {
    let parsed = table("Category,id,Tweet\nsports,7,what a goal\n");
    clean(&parsed.diagnostics);
    assert_eq!(pairs(&parsed.value), vec![("what a goal", "sports", 2)]);
}

#[test]
fn explicit_columns_win() {
    let options =
        TableOptions { text_column: Some("body".into()), label_column: Some("topic".into()), delimiter: None };
    let parsed = parse_table(b"text,body,topic,label\nignored,used,t1,l1\n", &options);
    clean(&parsed.diagnostics);
    assert_eq!(pairs(&parsed.value), vec![("used", "t1", 2)]);
}

#[test]
fn explicit_column_missing_lists_the_columns() {
    let options = TableOptions { text_column: Some("body".into()), ..TableOptions::default() };
    let parsed = parse_table(b"text,label\na,b\n", &options);
    assert!(parsed.value.is_empty());
    expect(&parsed.diagnostics, Severity::Error, 1, "\"text\", \"label\"");
}

#[test]
fn two_unnamed_columns_take_the_longer_as_text() {
    let parsed = table("a,b\nx,a much longer sentence\ny,another long sentence here\n");
    expect(&parsed.diagnostics, Severity::Warning, 1, "using column \"b\" as the text");
    assert_eq!(parsed.value[0].text, "a much longer sentence");
    assert_eq!(parsed.value[0].label, "x");
}

#[test]
fn one_named_column_of_two_makes_the_other_the_label() {
    let parsed = table("text,y\nhello,1\n");
    expect(&parsed.diagnostics, Severity::Warning, 1, "\"y\" as the label");
    assert_eq!(pairs(&parsed.value), vec![("hello", "1", 2)]);
}

#[test]
fn three_unnamed_columns_are_an_error_listing_them() {
    let parsed = table("a,b,c\n1,2,3\n");
    assert!(parsed.value.is_empty());
    expect(&parsed.diagnostics, Severity::Error, 1, "\"a\", \"b\", \"c\"");
}

#[test]
fn ragged_rows_are_reported_with_their_line() {
    let parsed = table("text,label\nok,1\ntoo,many,fields\nshort\nfine,0\n");
    assert_eq!(error_lines(&parsed.diagnostics), vec![3, 4]);
    expect(&parsed.diagnostics, Severity::Error, 3, "3 fields but the header has 2");
    assert_eq!(pairs(&parsed.value), vec![("ok", "1", 2), ("fine", "0", 5)]);
}

#[test]
fn empty_text_or_label_is_reported() {
    let parsed = table("text,label\n,1\nhello,\n  ,  \ngood,0\n");
    expect(&parsed.diagnostics, Severity::Error, 2, "empty text");
    expect(&parsed.diagnostics, Severity::Error, 3, "empty label");
    expect(&parsed.diagnostics, Severity::Error, 4, "empty text");
    assert_eq!(pairs(&parsed.value), vec![("good", "0", 5)]);
}

#[test]
fn bom_crlf_and_blank_lines_keep_line_numbers() {
    let parsed = table("\u{feff}text,label\r\n\r\na,1\r\n\r\n\r\nb,2\r\n");
    clean(&parsed.diagnostics);
    assert_eq!(pairs(&parsed.value), vec![("a", "1", 3), ("b", "2", 6)]);
}

#[test]
fn crlf_tsv_with_leading_blank_lines() {
    let parsed = table("\r\n\r\nsentence\tlabel\r\nx\t1\r\n");
    clean(&parsed.diagnostics);
    assert_eq!(pairs(&parsed.value), vec![("x", "1", 4)]);
}

#[test]
fn non_utf8_line_is_skipped_and_the_rest_read() {
    // "é" (UTF-8) elsewhere: a UTF-8 file with one broken line, not a Windows-1252 one.
    let parsed =
        parse_table(b"text,label\ngood,1\nbad \xff\xfe bytes,0\nalso caf\xc3\xa9,1\n", &TableOptions::default());
    expect(&parsed.diagnostics, Severity::Error, 3, "byte 5 of this line is not UTF-8");
    assert_eq!(error_lines(&parsed.diagnostics), vec![3]);
    assert_eq!(pairs(&parsed.value), vec![("good", "1", 2), ("also café", "1", 4)]);
}

#[test]
fn empty_file_is_an_error_at_line_one() {
    for input in ["", "  \n\n", "\u{feff}"] {
        let parsed = table(input);
        assert!(parsed.value.is_empty());
        expect(&parsed.diagnostics, Severity::Error, 1, "file is empty");
    }
}

#[test]
fn header_only_means_no_examples() {
    let parsed = parse_classification(b"text,label\n", "x.csv", &TableOptions::default());
    expect(&parsed.diagnostics, Severity::Error, 0, "no examples");
}

#[test]
fn unclosed_quote_is_pointed_at() {
    let parsed = table("text,label\n\"never closed,1\nb,0\nc,1\n");
    expect(&parsed.diagnostics, Severity::Error, 2, "may never be closed: the row runs to line 4");
    assert!(parsed.value.is_empty());
    let parsed = table("text,label\na,\"pos\nb,neg\n");
    expect(&parsed.diagnostics, Severity::Error, 2, "the label spans several lines");
}
