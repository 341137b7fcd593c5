//! AdamW exactly as `torch.optim.AdamW`, with HF's choices on top: an optional exemption of
//! biases and LayerNorm weights from weight decay, and clipping by the norm of all gradients
//! together (`clip_grad_norm_`), not per tensor as burn's built-in clipping does.

use std::collections::{HashMap, HashSet};

use burn::module::{ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;

use super::TrainConfig;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamWSettings {
    pub beta1: f64,
    pub beta2: f64,
    pub epsilon: f64,
    pub weight_decay: f64,
    /// 0 disables clipping.
    pub max_grad_norm: f64,
}

impl From<&TrainConfig> for AdamWSettings {
    fn from(c: &TrainConfig) -> Self {
        Self {
            beta1: c.beta1,
            beta2: c.beta2,
            epsilon: c.epsilon,
            weight_decay: c.weight_decay,
            max_grad_norm: c.max_grad_norm,
        }
    }
}

/// First and second moments of one parameter, flattened.
struct Moments {
    first: Tensor<1>,
    second: Tensor<1>,
}

pub struct AdamW {
    settings: AdamWSettings,
    no_decay: HashSet<ParamId>,
    moments: HashMap<ParamId, Moments>,
    steps: i32,
}

impl AdamW {
    /// `no_decay`: parameters that weight decay must leave alone.
    pub fn new(settings: AdamWSettings, no_decay: HashSet<ParamId>) -> Self {
        Self { settings, no_decay, moments: HashMap::new(), steps: 0 }
    }

    pub fn steps(&self) -> i32 {
        self.steps
    }

    /// One update of every parameter that has a gradient.
    pub fn step<M: Module>(&mut self, model: M, mut grads: GradientsParams, lr: f64) -> M {
        let clip = if self.settings.max_grad_norm > 0.0 {
            // torch: clip_coef = max_norm / (total_norm + 1e-6), clamped to 1.
            global_grad_norm(&model, &grads)
                .map(|norm| norm.add_scalar(1e-6).recip().mul_scalar(self.settings.max_grad_norm).clamp_max(1.0))
        } else {
            None
        };
        self.steps += 1;
        let mut update = Update { optimizer: self, grads: &mut grads, lr, clip };
        model.map(&mut update)
    }

    fn update_param<const D: usize>(
        &mut self,
        id: ParamId,
        param: Tensor<D>,
        grad: Tensor<D>,
        lr: f64,
        clip: Option<&Tensor<1>>,
    ) -> Tensor<D> {
        let s = self.settings;
        // The update runs in the parameter's shape; moments are kept flat, whatever the rank.
        let mut grad = grad;
        if let Some(coef) = clip {
            grad = grad * coef.clone().reshape([1; D]);
        }
        let mut p = param;
        if !self.no_decay.contains(&id) && s.weight_decay > 0.0 {
            p = p.mul_scalar(1.0 - lr * s.weight_decay);
        }
        let shape = p.dims();
        let (first, second) = match self.moments.remove(&id) {
            Some(m) => (
                m.first.reshape(shape).mul_scalar(s.beta1) + grad.clone().mul_scalar(1.0 - s.beta1),
                m.second.reshape(shape).mul_scalar(s.beta2) + grad.square().mul_scalar(1.0 - s.beta2),
            ),
            None => (grad.clone().mul_scalar(1.0 - s.beta1), grad.square().mul_scalar(1.0 - s.beta2)),
        };
        let bias_correction1 = 1.0 - s.beta1.powi(self.steps);
        let bias_correction2_sqrt = (1.0 - s.beta2.powi(self.steps)).sqrt();
        let denom = second.clone().sqrt().div_scalar(bias_correction2_sqrt).add_scalar(s.epsilon);
        let p = p - (first.clone() / denom).mul_scalar(lr / bias_correction1);
        let n = shape.iter().product::<usize>();
        self.moments.insert(id, Moments { first: first.reshape([n]), second: second.reshape([n]) });
        p
    }
}

/// The L2 norm of all gradients of `model` taken together, `[1]`, left on the device.
pub fn global_grad_norm<M: Module>(model: &M, grads: &GradientsParams) -> Option<Tensor<1>> {
    let mut norm = SquaredNorm { grads, total: None };
    model.visit(&mut norm);
    norm.total.map(Tensor::sqrt)
}

struct SquaredNorm<'a> {
    grads: &'a GradientsParams,
    total: Option<Tensor<1>>,
}

impl ModuleVisitor for SquaredNorm<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.grads.get::<D>(param.id) {
            let sq = grad.square().sum();
            self.total = Some(match self.total.take() {
                Some(t) => t + sq,
                None => sq,
            });
        }
    }
}

struct Update<'a> {
    optimizer: &'a mut AdamW,
    grads: &'a mut GradientsParams,
    lr: f64,
    clip: Option<Tensor<1>>,
}

impl ModuleMapper for Update<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let require_grad = tensor.is_require_grad();
        let updated = self.optimizer.update_param(id, tensor.inner(), grad, self.lr, self.clip.as_ref());
        let mut updated = Tensor::from_inner(updated);
        if require_grad {
            updated = updated.require_grad();
        }
        Param::from_mapped_value(id, updated, mapper)
    }
}

/// Ids of the parameters HF's Trainer exempts from weight decay: every bias and every
/// LayerNorm parameter.
pub fn bias_and_norm_params<M: Module>(model: &M) -> HashSet<ParamId> {
    let mut finder = NoDecayFinder { path: Vec::new(), found: HashSet::new() };
    model.visit(&mut finder);
    finder.found
}

struct NoDecayFinder {
    path: Vec<(String, String)>,
    found: HashSet<ParamId>,
}

impl ModuleVisitor for NoDecayFinder {
    fn enter_module(&mut self, name: &str, container_type: &str) {
        self.path.push((name.to_string(), container_type.to_string()));
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let in_norm = self.path.iter().any(|(_, kind)| kind.ends_with(":LayerNorm"));
        let is_bias = self.path.last().is_some_and(|(name, _)| name == "bias");
        if in_norm || is_bias {
            self.found.insert(param.id);
        }
    }
}
