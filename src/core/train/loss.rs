use burn::prelude::*;
use burn::tensor::activation::log_softmax;

/// Label value that takes no part in the loss (HF / torch `ignore_index`).
pub const IGNORE: i64 = -100;

/// Mean cross-entropy over the rows whose label is not [`IGNORE`], as torch's
/// `CrossEntropyLoss(ignore_index=-100)`. `logits`: `[n, classes]`, `labels`: `[n]`.
/// A batch with no labelled row gives 0 rather than torch's NaN.
pub fn cross_entropy(logits: Tensor<2>, labels: Tensor<1, Int>) -> Tensor<1> {
    let [n, _] = logits.dims();
    let kept = labels.clone().not_equal_elem(IGNORE);
    let safe_labels = labels.mask_fill(kept.clone().bool_not(), 0);
    let log_probs = log_softmax(logits, 1);
    let picked = log_probs.gather(1, safe_labels.reshape([n, 1])).reshape([n]);
    let weights = kept.float();
    let count = weights.clone().sum().clamp_min(1.0);
    (picked * weights).sum().neg() / count
}
