//! An embedding table's lookup and its gradient: rows gathered by id, and the output's
//! gradient added back into a dense gradient of the table's shape, as PyTorch's dense
//! `nn.Embedding` builds it.

use crate::fresh::zeros;

/// The rows `ids` name in `table` (`[rows, dim]` row-major), as `[ids.len(), dim]`; `None`
/// when an id lies outside the table.
pub fn gather(table: &[f32], dim: usize, ids: &[usize]) -> Option<Vec<f32>> {
    let rows = table.len() / dim.max(1);
    if ids.iter().any(|&id| id >= rows) {
        return None;
    }
    let mut out = Vec::with_capacity(ids.len() * dim);
    for &id in ids {
        out.extend_from_slice(&table[id * dim..(id + 1) * dim]);
    }
    Some(out)
}

/// The table's gradient, `[rows, dim]`: each row of `dy` (`[ids.len(), dim]`) added to the row
/// of its id, in order. Ids outside the table are refused by [`gather`] before this runs.
pub fn scatter_add(dy: &[f32], dim: usize, ids: &[usize], rows: usize) -> Vec<f32> {
    assert_eq!(dy.len(), ids.len() * dim, "embedding: the gradient is not one row per id");
    let mut grad = zeros(rows * dim);
    for (&id, row) in ids.iter().zip(dy.chunks_exact(dim.max(1))) {
        for (g, &d) in grad[id * dim..(id + 1) * dim].iter_mut().zip(row) {
            *g += d;
        }
    }
    grad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_rows_and_adds_repeated_ids_gradients() {
        let table: Vec<f32> = (0..12).map(|i| i as f32).collect();
        assert_eq!(gather(&table, 3, &[2, 0, 2]), Some(vec![6.0, 7.0, 8.0, 0.0, 1.0, 2.0, 6.0, 7.0, 8.0]));
        assert_eq!(gather(&table, 3, &[4]), None, "row 4 of 4 is outside the table");
        let dy = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 0.5, 0.5, 0.5];
        let grad = scatter_add(&dy, 3, &[2, 0, 2], 4);
        assert_eq!(grad, vec![10.0, 20.0, 30.0, 0.0, 0.0, 0.0, 1.5, 2.5, 3.5, 0.0, 0.0, 0.0]);
    }
}
