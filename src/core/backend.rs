//! Which backend a device runs on. The CPU backend (flex) gets host-memory fast paths where
//! burn's generic ops cost passes or a slow sampler; every other device keeps tensor ops, so
//! nothing is read back from a GPU.

use burn::prelude::*;
use burn_dispatch::DispatchDevice;

/// Whether `device` (with or without autodiff) is burn's CPU backend, flex.
pub fn is_cpu_backend(device: &Device) -> bool {
    matches!(device.clone().without_autodiff().as_dispatch(), DispatchDevice::Flex(_))
}
