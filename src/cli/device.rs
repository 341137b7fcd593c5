//! The CLI's one place that chooses a device.

use burn::prelude::*;

use super::args::DeviceChoice;

/// A device for `choice`, or a message saying why none could be created.
pub fn open(choice: DeviceChoice) -> Result<Device, String> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::flex()),
        DeviceChoice::Gpu => gpu(),
    }
}

/// burn's wgpu on whatever native API the platform has. wgpu can panic instead of failing
/// when no adapter exists, so the panic is caught and turned into the message.
pub fn gpu() -> Result<Device, String> {
    let attempt = std::panic::catch_unwind(|| Device::wgpu_options().init());
    match attempt {
        Ok(Ok(device)) => Ok(device),
        Ok(Err(e)) => {
            Err(format!("no GPU device could be created through wgpu (Vulkan/Metal/DX12): {e}; use --device cpu"))
        }
        Err(_) => {
            Err("no GPU device could be created through wgpu (Vulkan/Metal/DX12): the driver failed; use --device cpu"
                .into())
        }
    }
}
