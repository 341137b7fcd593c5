//! The one place that chooses a device: WebGPU through burn's wgpu backend when the browser
//! offers a usable adapter, burn's CPU backend (flex) otherwise, with the reason.
//!
//! burn's WebGPU init panics (killing the wasm instance) instead of failing when there is no
//! WebGPU, so `navigator.gpu` and `requestAdapter()` are checked first. A WebGPU device can be
//! initialised once per wasm instance, so the outcome is kept and reused.
//!
//! A device can also be lost later (a driver reset, a GPU unplugged, `destroy()`). The browser
//! says so once, through `GPUDevice.lost`; [`on_lost`] passes that on, and the device is not
//! offered again.

use std::cell::{Cell, RefCell};

use burn::prelude::*;
use burn::tensor::wgpu::WgpuBackend;
use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::session::Session;
use crate::protocol::{AdapterInfo, Backend, DeviceInfo, DeviceLimits, DevicePreference};

/// A device to train on, what it is, the largest buffer it binds (`None` on the CPU), and the
/// memory a run on it can address (the wasm instance's, on the CPU; `None` on a GPU).
#[derive(Debug, Clone)]
pub struct ChosenDevice {
    pub device: Device,
    pub info: DeviceInfo,
    pub max_binding: Option<u64>,
    pub address_space: Option<u64>,
}

impl ChosenDevice {
    /// A session on this device, bounded by its limits.
    pub fn session(self) -> Session {
        let mut session = Session::new(self.device, self.max_binding);
        session.set_address_space(self.address_space);
        session
    }
}

/// A wasm32 instance's memory at most: 65,536 pages of 64 KiB, which Chromium grants.
const WASM32_ADDRESS_SPACE: u64 = 4 << 30;

/// What the browser said when it took the WebGPU device away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LostDevice {
    /// `GPUDeviceLostInfo.reason`: "destroyed" (by the page) or "unknown" (anything else).
    pub reason: String,
    pub message: String,
}

thread_local! {
    static WEBGPU: RefCell<Option<Result<ChosenDevice, String>>> = const { RefCell::new(None) };
    /// `destroy()` on the device burn trains on, for [`Request::Drill`](crate::protocol::Request).
    static DESTROY: RefCell<Option<Box<dyn Fn()>>> = const { RefCell::new(None) };
    static ON_LOST: Cell<Option<fn(LostDevice)>> = const { Cell::new(None) };
}

/// Calls `listener` when the WebGPU device is lost (once; a later call replaces the listener).
pub fn on_lost(listener: fn(LostDevice)) {
    ON_LOST.with(|l| l.set(Some(listener)));
}

/// Destroys the WebGPU device, as the browser may at any time; `Err` when there is none.
pub fn destroy_device() -> Result<(), String> {
    match DESTROY.with(|d| d.borrow_mut().take()) {
        Some(destroy) => {
            destroy();
            Ok(())
        }
        None => Err("there is no WebGPU device to lose: this worker trains on the CPU".into()),
    }
}

/// The device is gone: it is not chosen again (`Auto` falls back to the CPU), and the listener
/// hears why.
fn lost(reason: LostDevice) {
    let why = format!("the GPU device was lost ({}): {}", reason.reason, reason.message);
    WEBGPU.with(|w| *w.borrow_mut() = Some(Err(why)));
    DESTROY.with(|d| *d.borrow_mut() = None);
    if let Some(listener) = ON_LOST.with(Cell::get) {
        listener(reason);
    }
}

/// The device for `preference`. `Auto` falls back to the CPU with the reason; an explicit
/// `Webgpu` that cannot be had is an error.
pub async fn choose(preference: DevicePreference) -> Result<ChosenDevice, String> {
    match preference {
        DevicePreference::Cpu => Ok(cpu(None)),
        DevicePreference::Webgpu => webgpu().await,
        DevicePreference::Auto => Ok(webgpu().await.unwrap_or_else(|reason| cpu(Some(reason)))),
    }
}

/// burn's CPU backend; `fallback_reason` says why WebGPU was not used, when it was wanted.
pub fn cpu(fallback_reason: Option<String>) -> ChosenDevice {
    ChosenDevice {
        device: Device::flex(),
        info: DeviceInfo { backend: Backend::Cpu, adapter: None, limits: None, features: Vec::new(), fallback_reason },
        max_binding: None,
        address_space: Some(WASM32_ADDRESS_SPACE),
    }
}

async fn webgpu() -> Result<ChosenDevice, String> {
    if let Some(done) = WEBGPU.with(|w| w.borrow().clone()) {
        return done;
    }
    let outcome = init_webgpu().await;
    WEBGPU.with(|w| *w.borrow_mut() = Some(outcome.clone()));
    outcome
}

async fn init_webgpu() -> Result<ChosenDevice, String> {
    let (adapter, features) = probe_adapter().await?;
    let (device, setup) = Device::wgpu_options()
        .graphics_api(WgpuBackend::WebGpu)
        .init_with_setup_async()
        .await
        .map_err(|e| format!("WebGPU device creation failed: {e}"))?;
    setup.device.set_device_lost_callback(|reason, message| {
        let reason = match reason {
            burn::tensor::wgpu::wgpu::DeviceLostReason::Destroyed => "destroyed",
            _ => "unknown",
        };
        lost(LostDevice { reason: reason.into(), message });
    });
    let handle = setup.device.clone();
    DESTROY.with(|d| *d.borrow_mut() = Some(Box::new(move || handle.destroy())));
    // burn asks for every limit the adapter has; these are the ones the device got.
    let got = setup.device.limits();
    let limits = DeviceLimits {
        max_storage_buffer_binding_size: got.max_storage_buffer_binding_size as u64,
        max_buffer_size: got.max_buffer_size,
        max_compute_workgroup_storage_size: got.max_compute_workgroup_storage_size as u64,
        max_compute_invocations_per_workgroup: got.max_compute_invocations_per_workgroup as u64,
    };
    let max_binding = limits.max_storage_buffer_binding_size.min(limits.max_buffer_size);
    Ok(ChosenDevice {
        device,
        info: DeviceInfo {
            backend: Backend::Webgpu,
            adapter: Some(adapter),
            limits: Some(limits),
            features,
            fallback_reason: None,
        },
        max_binding: Some(max_binding),
        address_space: None,
    })
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn text(target: &JsValue, key: &str) -> String {
    get(target, key).as_string().unwrap_or_default()
}

/// Asks the browser for an adapter the way burn will, and reads how it describes itself.
async fn probe_adapter() -> Result<(AdapterInfo, Vec<String>), String> {
    let navigator = get(&js_sys::global(), "navigator");
    let gpu = get(&navigator, "gpu");
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser has no WebGPU (navigator.gpu is missing); Chrome or Edge 113+, or Safari 26+, \
                    have it"
            .into());
    }
    let request = get(&gpu, "requestAdapter")
        .dyn_into::<js_sys::Function>()
        .map_err(|_| "navigator.gpu.requestAdapter is not a function".to_string())?;
    let options = Object::new();
    let _ = Reflect::set(&options, &"powerPreference".into(), &"high-performance".into());
    let promise = request
        .call1(&gpu, &options)
        .map_err(|e| format!("requestAdapter() threw: {}", describe_js_error(&e)))?
        .dyn_into::<Promise>()
        .map_err(|_| "requestAdapter() did not return a promise".to_string())?;
    let adapter =
        JsFuture::from(promise).await.map_err(|e| format!("requestAdapter() failed: {}", describe_js_error(&e)))?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("WebGPU is present but gave no adapter (the GPU may be blocklisted or WebGPU disabled)".into());
    }
    let info = get(&adapter, "info");
    // Newer browsers put isFallbackAdapter on the info, older ones on the adapter.
    let fallback = get(&info, "isFallbackAdapter").as_bool().or_else(|| get(&adapter, "isFallbackAdapter").as_bool());
    let adapter_info = AdapterInfo {
        vendor: text(&info, "vendor"),
        architecture: text(&info, "architecture"),
        device: text(&info, "device"),
        description: text(&info, "description"),
        is_fallback_adapter: fallback.unwrap_or(false),
    };
    let mut features: Vec<String> =
        Array::from(&get(&adapter, "features")).iter().filter_map(|f| f.as_string()).collect();
    features.sort();
    Ok((adapter_info, features))
}

/// A thrown JS value as text: an Error's message, else its string form.
pub fn describe_js_error(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
