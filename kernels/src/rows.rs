//! Fixed blocks of whole rows, the unit of parallel work.

/// About this many elements per block: large enough to amortise a task, small enough to spread
/// one layer's activations over every core.
const BLOCK_ELEMENTS: usize = 16 * 1024;

/// Rows per block for rows of `row_len` elements (at least one).
fn rows_per_block(row_len: usize) -> usize {
    (BLOCK_ELEMENTS / row_len.max(1)).max(1)
}

/// Fills `output` block by block: `work(first_row, inputs, out)` gets the same rows of every
/// input and of the output.
pub fn for_each_block<const N: usize>(
    inputs: [&[f32]; N],
    output: &mut [f32],
    row_len: usize,
    work: impl Fn(usize, [&[f32]; N], &mut [f32]) + Sync + Send,
) {
    let block = rows_per_block(row_len) * row_len.max(1);
    let run = |(index, out): (usize, &mut [f32])| {
        let start = index * block;
        let ins = inputs.map(|input| &input[start..start + out.len()]);
        work(index * rows_per_block(row_len), ins, out);
    };
    #[cfg(not(target_arch = "wasm32"))]
    {
        use rayon::prelude::*;
        output.par_chunks_mut(block).enumerate().for_each(run);
    }
    #[cfg(target_arch = "wasm32")]
    output.chunks_mut(block).enumerate().for_each(run);
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
