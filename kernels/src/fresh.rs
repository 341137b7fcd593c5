//! New output buffers, each piece zeroed by the task that then fills it.
//!
//! `vec![0.0; n]` writes every value on the calling thread before any parallel work starts:
//! on a CPU training step, tens of megabytes a step on one core while the others wait. Here
//! a piece is zeroed by the task that fills it, on a pool thread, while it sits in that core's
//! cache.

use std::mem::MaybeUninit;

/// `N` new buffers of `lens[i]` values, each cut every `pieces[i]` values (the last piece may
/// be shorter, and a buffer with fewer pieces gets empty ones); `fill(index, pieces)` gets
/// piece `index` of every buffer, zeroed, in parallel natively and in order on wasm32.
pub(crate) fn filled_in_pieces<const N: usize>(
    lens: [usize; N],
    pieces: [usize; N],
    fill: impl Fn(usize, [&mut [f32]; N]) + Sync + Send,
) -> [Vec<f32>; N] {
    let count = piece_count(lens, pieces);
    filled_in_pieces_with(lens, pieces, vec![(); count], |index, (), cut| fill(index, cut))
}

/// As [`filled_in_pieces`], with `items[index]` handed to `fill` beside piece `index`: the
/// matching pieces of buffers the caller already has, say. Panics unless there is one item
/// per piece.
pub(crate) fn filled_in_pieces_with<const N: usize, T: Send>(
    lens: [usize; N],
    pieces: [usize; N],
    items: Vec<T>,
    fill: impl Fn(usize, T, [&mut [f32]; N]) + Sync + Send,
) -> [Vec<f32>; N] {
    let count = piece_count(lens, pieces);
    assert_eq!(items.len(), count, "fresh buffers: not one item per piece");
    let mut buffers = lens.map(Vec::<f32>::with_capacity);
    {
        let mut cut: Vec<[&mut [MaybeUninit<f32>]; N]> =
            (0..count).map(|_| [(); N].map(|_| Default::default())).collect();
        for (i, buffer) in buffers.iter_mut().enumerate() {
            let spare = &mut buffer.spare_capacity_mut()[..lens[i]];
            for (at, piece) in spare.chunks_mut(pieces[i].max(1)).enumerate() {
                cut[at][i] = piece;
            }
        }
        let run = |(index, (cut, item)): (usize, ([&mut [MaybeUninit<f32>]; N], T))| fill(index, item, cut.map(zeroed));
        #[cfg(not(target_arch = "wasm32"))]
        {
            use rayon::prelude::*;
            cut.into_par_iter().zip(items).enumerate().for_each(run);
        }
        #[cfg(target_arch = "wasm32")]
        cut.into_iter().zip(items).enumerate().for_each(run);
    }
    for (buffer, len) in buffers.iter_mut().zip(lens) {
        // SAFETY: the pieces cover `buffer`'s first `len` values, one task each (one item per
        // piece, checked above), and every task zeroed its pieces with `zeroed` and has
        // returned (a panicking task unwinds past this line).
        unsafe { buffer.set_len(len) };
    }
    buffers
}

/// How many pieces the longest cut gives.
fn piece_count<const N: usize>(lens: [usize; N], pieces: [usize; N]) -> usize {
    lens.iter().zip(pieces).map(|(&len, piece)| len.div_ceil(piece.max(1))).max().unwrap_or(0)
}

/// `len` zeros, written in parallel pieces: a buffer the caller then scatters into.
pub(crate) fn zeros(len: usize) -> Vec<f32> {
    const PIECE: usize = 64 * 1024;
    let [zeros] = filled_in_pieces([len], [PIECE], |_, _| {});
    zeros
}

/// `piece` set to zeros, as initialised values.
fn zeroed(piece: &mut [MaybeUninit<f32>]) -> &mut [f32] {
    piece.fill(MaybeUninit::new(0.0));
    // SAFETY: `MaybeUninit<f32>` has `f32`'s layout, and every element was written just above.
    unsafe { &mut *(piece as *mut [MaybeUninit<f32>] as *mut [f32]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_piece_arrives_zeroed_once_and_in_place() {
        let [a, b] = filled_in_pieces([10, 4], [3, 1], |index, [a, b]| {
            assert!(a.iter().chain(b.iter()).all(|&v| v == 0.0), "piece {index} was not zeroed");
            a.iter_mut().enumerate().for_each(|(i, v)| *v = (index * 3 + i) as f32);
            b.iter_mut().for_each(|v| *v = index as f32);
        });
        assert_eq!(a, (0..10).map(|i| i as f32).collect::<Vec<_>>());
        assert_eq!(b, vec![0.0, 1.0, 2.0, 3.0], "pieces 0..4 of b; none beyond its end");
        let [empty] = filled_in_pieces([0], [0], |_, _| panic!("no piece of an empty buffer"));
        assert!(empty.is_empty());
    }
}
