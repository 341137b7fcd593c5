//! Fixed blocks of whole rows, the unit of parallel work.

use crate::fresh::filled_in_pieces;

/// About this many elements per block: large enough to amortise a task, small enough to spread
/// one layer's activations over every core.
const BLOCK_ELEMENTS: usize = 16 * 1024;

/// Rows per block for rows of `row_len` elements (at least one).
fn rows_per_block(row_len: usize) -> usize {
    (BLOCK_ELEMENTS / row_len.max(1)).max(1)
}

/// A new buffer as long as the inputs, filled block by block: `work(first_row, inputs, out)`
/// gets the same rows of every input and the block's output, zeroed.
pub fn map_rows<const N: usize>(
    inputs: [&[f32]; N],
    row_len: usize,
    work: impl Fn(usize, [&[f32]; N], &mut [f32]) + Sync + Send,
) -> Vec<f32> {
    let len = inputs.first().map_or(0, |input| input.len());
    assert!(inputs.iter().all(|input| input.len() == len), "rows: the inputs differ in length");
    let per_block = rows_per_block(row_len);
    let block = per_block * row_len.max(1);
    let [output] = filled_in_pieces([len], [block], |index, [out]| {
        let start = index * block;
        work(index * per_block, inputs.map(|input| &input[start..start + out.len()]), out);
    });
    output
}

/// `row` repeated `rows` times, written in parallel blocks.
pub fn repeat_rows(row: &[f32], rows: usize) -> Vec<f32> {
    let per_block = rows_per_block(row.len());
    let [output] = filled_in_pieces([rows * row.len()], [per_block * row.len()], |_, [out]| {
        out.chunks_exact_mut(row.len().max(1)).for_each(|copy| copy.copy_from_slice(row));
    });
    output
}

/// `f(first_row, row_count)` over the blocks of `rows` rows, results in block order.
pub fn map_blocks<T: Send>(rows: usize, row_len: usize, f: impl Fn(usize, usize) -> T + Sync + Send) -> Vec<T> {
    let per_block = rows_per_block(row_len);
    let blocks = rows.div_ceil(per_block);
    let run = |b: usize| {
        let first = b * per_block;
        f(first, per_block.min(rows - first))
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        (0..blocks).into_par_iter().map(run).collect()
    }
    #[cfg(target_arch = "wasm32")]
    (0..blocks).map(run).collect()
}
