use std::collections::BTreeMap;

use tunelab::core::data::{limit, ner_stratum, split_stratified, Fractions, NerExample, SplitError, Splits};
use tunelab::core::rng::Rng;

/// Items `0..n` labelled by `label_of`.
fn items(n: usize, label_of: impl Fn(usize) -> &'static str) -> Vec<(usize, &'static str)> {
    (0..n).map(|i| (i, label_of(i))).collect()
}

fn split(items: Vec<(usize, &'static str)>, seed: u64) -> Splits<(usize, &'static str)> {
    split_stratified(items, |item| item.1.to_string(), Fractions::DEFAULT, seed)
}

fn only_a(part: &[(usize, &'static str)]) -> Vec<(usize, &'static str)> {
    part.iter().filter(|i| i.1 == "a").copied().collect()
}

fn count(part: &[(usize, &str)], label: &str) -> usize {
    part.iter().filter(|item| item.1 == label).count()
}

#[test]
fn same_seed_same_split_other_seed_other_split() {
    let data = items(500, |i| if i % 3 == 0 { "a" } else { "b" });
    let first = split(data.clone(), 7);
    assert_eq!(first, split(data.clone(), 7));
    assert_ne!(first.dev, split(data, 8).dev);
}

#[test]
fn nothing_lost_or_duplicated_and_file_order_kept() {
    let data = items(1001, |i| ["x", "y", "z", "w"][i % 7 % 4]);
    let splits = split(data, 42);
    let mut all: Vec<usize> =
        [&splits.train, &splits.dev, &splits.test].iter().flat_map(|p| p.iter().map(|i| i.0)).collect();
    for part in [&splits.train, &splits.dev, &splits.test] {
        assert!(part.windows(2).all(|w| w[0].0 < w[1].0));
    }
    all.sort_unstable();
    assert_eq!(all, (0..1001).collect::<Vec<_>>());
}

#[test]
fn every_stratum_is_split_in_proportion() {
    let data = items(1000, |i| if i < 800 { "common" } else { "rare" });
    let splits = split(data, 1);
    assert_eq!(
        (count(&splits.train, "common"), count(&splits.dev, "common"), count(&splits.test, "common")),
        (640, 80, 80)
    );
    assert_eq!((count(&splits.train, "rare"), count(&splits.dev, "rare"), count(&splits.test, "rare")), (160, 20, 20));
}

#[test]
fn small_strata_still_reach_dev_and_test() {
    let data = items(15, |i| match i {
        0..=2 => "three",
        3..=4 => "two",
        5 => "one",
        _ => "nine",
    });
    let splits = split(data, 3);
    for (label, expected) in [("three", (1, 1, 1)), ("two", (2, 0, 0)), ("one", (1, 0, 0)), ("nine", (7, 1, 1))] {
        let got = (count(&splits.train, label), count(&splits.dev, label), count(&splits.test, label));
        assert_eq!(got, expected, "{label}");
    }
}

#[test]
fn fractions_are_validated_and_scaled() {
    assert_eq!(Fractions::new(8.0, 1.0, 1.0), Ok(Fractions::DEFAULT));
    assert!(matches!(Fractions::new(0.8, -0.1, 0.1), Err(SplitError::Invalid { .. })));
    assert!(matches!(Fractions::new(f64::NAN, 0.1, 0.1), Err(SplitError::Invalid { .. })));
    assert_eq!(Fractions::try_from((0.0, 0.0, 0.0)), Err(SplitError::AllZero));
    let only_train =
        Fractions::new(1.0, 0.0, 0.0).map(|f| split_stratified((0..10).collect(), |_| String::new(), f, 0));
    assert_eq!(only_train.map(|s| s.train.len()), Ok(10));
}

#[test]
fn ner_stratum_is_the_first_entity_type() {
    let example = |tags: &[&str]| NerExample {
        tokens: tags.iter().map(|_| "w".into()).collect(),
        tags: tags.iter().map(|&t| t.into()).collect(),
        line: 1,
    };
    assert_eq!(ner_stratum(&example(&["O", "B-LOC", "B-PER"])), "LOC");
    assert_eq!(ner_stratum(&example(&["O", "O"])), "O");
}

#[test]
fn limit_takes_the_first_n() {
    assert_eq!(limit(vec![1, 2, 3], Some(2)), [1, 2]);
    assert_eq!(limit(vec![1, 2, 3], Some(9)), [1, 2, 3]);
    assert_eq!(limit(vec![1, 2, 3], None), [1, 2, 3]);
}

#[test]
fn rng_is_deterministic_and_sane() {
    let mut a = Rng::new(42);
    let mut b = Rng::new(42);
    assert_eq!((0..5).map(|_| a.next_u64()).collect::<Vec<_>>(), (0..5).map(|_| b.next_u64()).collect::<Vec<_>>());
    // SplitMix64's published first output for seed 0.
    assert_eq!(Rng::new(0).next_u64(), 0xE220_A839_7B1D_CDAF);

    let mut rng = Rng::new(5);
    let n = 100_000;
    let uniform: Vec<f64> = (0..n).map(|_| rng.next_f64()).collect();
    assert!(uniform.iter().all(|u| (0.0..1.0).contains(u)));
    assert!((uniform.iter().sum::<f64>() / n as f64 - 0.5).abs() < 0.01);

    let normal: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let mean = normal.iter().sum::<f64>() / n as f64;
    let variance = normal.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
    assert!(mean.abs() < 0.02, "mean {mean}");
    assert!((variance - 1.0).abs() < 0.02, "variance {variance}");

    let mut deck: Vec<u32> = (0..52).collect();
    rng.shuffle(&mut deck);
    assert_ne!(deck, (0..52).collect::<Vec<_>>());
    deck.sort_unstable();
    assert_eq!(deck, (0..52).collect::<Vec<_>>());

    let mut counts = BTreeMap::new();
    for _ in 0..6000 {
        *counts.entry(rng.below(3)).or_insert(0) += 1;
    }
    assert_eq!(counts.keys().copied().collect::<Vec<_>>(), [0, 1, 2]);
    assert!(counts.values().all(|&c| (1800..2200).contains(&c)));
}

#[test]
fn a_new_label_leaves_the_other_labels_split_as_they_were() {
    let before = split(items(300, |_| "a"), 9);
    let mut data = items(300, |_| "a");
    data.extend((300..330).map(|i| (i, "b")));
    let after = split(data, 9);
    assert_eq!(only_a(&after.dev), before.dev);
    assert_eq!(only_a(&after.test), before.test);
}
