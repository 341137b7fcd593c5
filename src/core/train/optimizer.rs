//! AdamW exactly as `torch.optim.AdamW`, with HF's choices on top: an optional exemption of
//! biases and LayerNorm weights from weight decay, and clipping by the norm of all gradients
//! together (`clip_grad_norm_`), not per tensor as burn's built-in clipping does.
//!
//! On the CPU backend (flex) the update is one fused pass per parameter over host memory
//! (`tunelab_kernels::adamw`, in parallel blocks), with the moments kept as plain vectors: a
//! dozen tensor ops (each a pass and an allocation) became one loop. Flex's reads are plain
//! memory, so these synchronous reads never wait on a device. Other devices run the update as
//! tensor ops and never read back.

use std::collections::{HashMap, HashSet};

use burn::module::{ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::prelude::*;
use burn::tensor::DType;
use burn_dispatch::backends::Flex;
use tunelab_kernels::adamw::{self, AdamWStep};

use super::TrainConfig;
use crate::core::backend::is_cpu_backend;

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

/// The same, in host memory (the fused CPU update).
struct HostMoments {
    first: Vec<f32>,
    second: Vec<f32>,
}

/// A gradient or parameter could not be read from the CPU backend.
#[derive(Debug, thiserror::Error)]
#[error("the optimizer could not read a tensor: {0}")]
pub struct OptimizerError(String);

pub struct AdamW {
    settings: AdamWSettings,
    no_decay: HashSet<ParamId>,
    moments: HashMap<ParamId, Moments>,
    host_moments: HashMap<ParamId, HostMoments>,
    steps: i32,
    /// `None`: fused on the host exactly when the parameters live on the CPU backend.
    fused_on_host: Option<bool>,
}

impl AdamW {
    /// `no_decay`: parameters that weight decay must leave alone.
    pub fn new(settings: AdamWSettings, no_decay: HashSet<ParamId>) -> Self {
        Self {
            settings,
            no_decay,
            moments: HashMap::new(),
            host_moments: HashMap::new(),
            steps: 0,
            fused_on_host: None,
        }
    }

    /// Forces the fused host update on or off (it needs the CPU backend), for comparing the two.
    pub fn fused_on_host(mut self, fused: bool) -> Self {
        self.fused_on_host = Some(fused);
        self
    }

    pub fn steps(&self) -> i32 {
        self.steps
    }

    /// Every parameter's moments in the order `model` visits its parameters (the same for
    /// any model of one architecture, so a fresh copy can take them back), with the step
    /// count that their bias correction needs.
    pub async fn saved_moments<M: Module>(&self, model: &M) -> Result<SavedMoments, OptimizerError> {
        let mut saved = Vec::new();
        for id in param_ids(model) {
            let pair = if let Some(host) = self.host_moments.get(&id) {
                Some((host.first.clone(), host.second.clone()))
            } else if let Some(device) = self.moments.get(&id) {
                let read = |t: &Tensor<1>| {
                    let t = t.clone();
                    async move {
                        t.into_data_async()
                            .await
                            .map_err(|e| OptimizerError(e.to_string()))?
                            .try_into_vec::<f32>()
                            .map_err(|e| OptimizerError(e.to_string()))
                    }
                };
                Some((read(&device.first).await?, read(&device.second).await?))
            } else {
                None
            };
            saved.push(pair.map(|(first, second)| ParamMoments { first: to_bytes(&first), second: to_bytes(&second) }));
        }
        Ok(SavedMoments { steps: self.steps, params: saved })
    }

    /// Takes back [`AdamW::saved_moments`] for `model`, a copy of the architecture they were
    /// saved from; a parameter count or size that differs is refused.
    pub fn restore_moments<M: Module>(&mut self, model: &M, saved: &SavedMoments) -> Result<(), OptimizerError> {
        let ids = param_ids(model);
        if ids.len() != saved.params.len() {
            return Err(OptimizerError(format!(
                "the checkpoint holds moments for {} parameters, the model has {}",
                saved.params.len(),
                ids.len()
            )));
        }
        let fused = self.fused_on_host.unwrap_or_else(|| on_cpu_backend(model));
        let device = first_device(model);
        self.moments.clear();
        self.host_moments.clear();
        for (id, pair) in ids.into_iter().zip(&saved.params) {
            let Some(pair) = pair else { continue };
            let (first, second) = (from_bytes(&pair.first)?, from_bytes(&pair.second)?);
            if fused {
                self.host_moments.insert(id, HostMoments { first, second });
            } else if let Some(device) = &device {
                let tensor = |v: Vec<f32>| {
                    let n = v.len();
                    Tensor::<1>::from_data(TensorData::new(v, [n]), device)
                };
                self.moments.insert(id, Moments { first: tensor(first), second: tensor(second) });
            }
        }
        self.steps = saved.steps;
        Ok(())
    }

    /// One update of every parameter that has a gradient.
    pub fn step<M: Module>(&mut self, model: M, grads: GradientsParams, lr: f64) -> Result<M, OptimizerError> {
        let fused = self.fused_on_host.unwrap_or_else(|| on_cpu_backend(&model));
        if fused {
            return self.step_on_host(model, grads, lr);
        }
        Ok(self.step_on_device(model, grads, lr))
    }

    fn step_on_device<M: Module>(&mut self, model: M, mut grads: GradientsParams, lr: f64) -> M {
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

    fn step_on_host<M: Module>(&mut self, model: M, mut grads: GradientsParams, lr: f64) -> Result<M, OptimizerError> {
        let mut reader = HostGrads { grads: &mut grads, read: HashMap::new(), error: None };
        model.visit(&mut reader);
        if let Some(e) = reader.error {
            return Err(e);
        }
        let host_grads = reader.read;
        let clip = if self.settings.max_grad_norm > 0.0 {
            let mut squares = 0.0;
            for grad in host_grads.values() {
                squares += adamw::sum_of_squares(host_values(grad)?);
            }
            // torch: clip_coef = max_norm / (total_norm + 1e-6), clamped to 1.
            (self.settings.max_grad_norm / (squares.sqrt() + 1e-6)).min(1.0) as f32
        } else {
            1.0
        };
        self.steps += 1;
        let mut update = HostUpdate { optimizer: self, grads: host_grads, lr, clip, error: None };
        let model = model.map(&mut update);
        match update.error {
            Some(e) => Err(e),
            None => Ok(model),
        }
    }

    /// One parameter's fused update in host memory, in place: decay, moments, bias-corrected step.
    fn update_host(&mut self, id: ParamId, param: &mut [f32], grad: &[f32], lr: f64, clip: f32) {
        let (step, moments) = self.host_step(id, param.len(), lr, clip);
        adamw::update(&step, param, grad, &mut moments.first, &mut moments.second);
    }

    /// As [`Self::update_host`], into a new vector, `param` left as it was.
    fn updated_host(&mut self, id: ParamId, param: &[f32], grad: &[f32], lr: f64, clip: f32) -> Vec<f32> {
        let (step, moments) = self.host_step(id, param.len(), lr, clip);
        adamw::updated(&step, param, grad, &mut moments.first, &mut moments.second)
    }

    /// This step's coefficients for parameter `id` of `len` values, and its moments.
    fn host_step(&mut self, id: ParamId, len: usize, lr: f64, clip: f32) -> (AdamWStep, &mut HostMoments) {
        let s = self.settings;
        let decay =
            if !self.no_decay.contains(&id) && s.weight_decay > 0.0 { (1.0 - lr * s.weight_decay) as f32 } else { 1.0 };
        let step = AdamWStep {
            clip,
            decay,
            beta1: s.beta1 as f32,
            beta2: s.beta2 as f32,
            one_minus_beta1: (1.0 - s.beta1) as f32,
            one_minus_beta2: (1.0 - s.beta2) as f32,
            step_size: (lr / (1.0 - s.beta1.powi(self.steps))) as f32,
            bias_correction2_sqrt: (1.0 - s.beta2.powi(self.steps)).sqrt() as f32,
            epsilon: s.epsilon as f32,
        };
        let moments = self
            .host_moments
            .entry(id)
            .or_insert_with(|| HostMoments { first: vec![0.0; len], second: vec![0.0; len] });
        (step, moments)
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

/// Whether `model`'s parameters live on the CPU backend (flex).
fn on_cpu_backend<M: Module>(model: &M) -> bool {
    first_device(model).is_some_and(|d| is_cpu_backend(&d))
}

/// The device of `model`'s first parameter (without autodiff).
fn first_device<M: Module>(model: &M) -> Option<Device> {
    struct FirstDevice(Option<Device>);
    impl ModuleVisitor for FirstDevice {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            if self.0.is_none() {
                self.0 = Some(param.val().inner().device());
            }
        }
    }
    let mut first = FirstDevice(None);
    model.visit(&mut first);
    first.0
}

/// `model`'s parameters in visiting order.
fn param_ids<M: Module>(model: &M) -> Vec<ParamId> {
    struct Ids(Vec<ParamId>);
    impl ModuleVisitor for Ids {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.id);
        }
    }
    let mut ids = Ids(Vec::new());
    model.visit(&mut ids);
    ids.0
}

/// The optimizer's state as plain bytes, for a checkpoint.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SavedMoments {
    pub steps: i32,
    /// One entry per parameter in visiting order; `None` for one that never had a gradient.
    pub params: Vec<Option<ParamMoments>>,
}

/// One parameter's first and second moments, little-endian f32 (raw bytes travel to the page
/// and into storage without a number-by-number conversion).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParamMoments {
    #[serde(with = "serde_bytes")]
    pub first: Vec<u8>,
    #[serde(with = "serde_bytes")]
    pub second: Vec<u8>,
}

fn to_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

fn from_bytes(bytes: &[u8]) -> Result<Vec<f32>, OptimizerError> {
    if bytes.len() % 4 != 0 {
        return Err(OptimizerError(format!("{} bytes of moments are not whole f32 values", bytes.len())));
    }
    Ok(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

/// A host tensor's `f32` values, read where they lie.
fn host_values(data: &TensorData) -> Result<&[f32], OptimizerError> {
    data.as_slice::<f32>().map_err(|e| OptimizerError(e.to_string()))
}

/// Takes every gradient of the model out of `grads` into host memory. A gradient's buffer is
/// handed over, not copied: flex's buffers are aligned beyond `f32`, so `Vec<f32>` would copy.
struct HostGrads<'a> {
    grads: &'a mut GradientsParams,
    read: HashMap<ParamId, TensorData>,
    error: Option<OptimizerError>,
}

impl ModuleVisitor for HostGrads<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if self.error.is_some() {
            return;
        }
        if let Some(grad) = self.grads.remove::<D>(param.id) {
            match grad.try_into_data() {
                Ok(data) => {
                    self.read.insert(param.id, data);
                }
                Err(e) => self.error = Some(OptimizerError(e.to_string())),
            }
        }
    }
}

/// Updates each parameter without a separate copy. The tensor is moved out of the module: where
/// flex's buffer has no other holder it is updated in place and goes back as the same buffer;
/// where the trainer's snapshot of the weights before the step still holds it, it is read once
/// and the new values written to a new buffer, in the same pass.
struct HostUpdate<'a> {
    optimizer: &'a mut AdamW,
    grads: HashMap<ParamId, TensorData>,
    lr: f64,
    clip: f32,
    error: Option<OptimizerError>,
}

impl ModuleMapper for HostUpdate<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let Some(grad) = self.grads.remove(&id).filter(|_| self.error.is_none()) else {
            return Param::from_mapped_value(id, tensor, mapper);
        };
        let require_grad = tensor.is_require_grad();
        let inner = tensor.inner();
        let (device, shape) = (inner.device(), inner.shape());
        match self.updated(id, inner, &grad) {
            Ok(inner) => {
                let updated = Tensor::<D>::from_inner(inner);
                Param::from_mapped_value(id, if require_grad { updated.require_grad() } else { updated }, mapper)
            }
            Err(e) => {
                self.error = Some(e);
                // A failed read fails the whole step, and `step` then drops the model: what
                // stands in for the parameter is never used.
                Param::from_mapped_value(id, Tensor::from_inner(Tensor::<D>::zeros(shape, &device)), mapper)
            }
        }
    }
}

impl HostUpdate<'_> {
    fn updated<const D: usize>(
        &mut self,
        id: ParamId,
        inner: Tensor<D>,
        grad: &TensorData,
    ) -> Result<Tensor<D>, OptimizerError> {
        let grad = host_values(grad)?;
        let device = inner.device();
        let Ok(flex) = inner.clone().try_into_primitive::<Flex>() else {
            return self.in_place(id, inner, grad, &device);
        };
        drop(inner);
        let shared_values = match (flex.is_unique(), flex.dtype(), flex.layout().contiguous_offsets()) {
            (false, DType::F32, Some((start, end))) => Some(&flex.storage::<f32>()[start..end]),
            _ => None,
        };
        if let Some(values) = shared_values {
            let new = self.optimizer.updated_host(id, values, grad, self.lr, self.clip);
            return Ok(Tensor::from_data(TensorData::new(new, flex.layout().shape().clone()), &device));
        }
        self.in_place(id, Tensor::from_primitive::<Flex>(flex), grad, &device)
    }

    /// The update in the tensor's own memory: flex hands over a buffer it alone holds.
    fn in_place<const D: usize>(
        &mut self,
        id: ParamId,
        inner: Tensor<D>,
        grad: &[f32],
        device: &Device,
    ) -> Result<Tensor<D>, OptimizerError> {
        let mut data = inner.try_into_data().map_err(|e| OptimizerError(e.to_string()))?;
        let values = data.as_mut_slice::<f32>().map_err(|e| OptimizerError(e.to_string()))?;
        self.optimizer.update_host(id, values, grad, self.lr, self.clip);
        Ok(Tensor::from_data(data, device))
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
