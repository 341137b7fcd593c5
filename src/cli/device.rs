//! The CLI's one place that chooses a device.

use burn::prelude::*;

use super::args::DeviceChoice;
use super::error::CliError;

/// A device for `choice`, or why none could be created.
pub fn open(choice: DeviceChoice) -> Result<Device, CliError> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::flex()),
        DeviceChoice::Gpu => gpu(),
    }
}

/// burn's wgpu on whatever native API the platform has. wgpu can panic instead of failing
/// when no adapter exists, so the panic is caught and turned into the message.
pub fn gpu() -> Result<Device, CliError> {
    let attempt = std::panic::catch_unwind(|| Device::wgpu_options().init());
    match attempt {
        Ok(Ok(device)) => Ok(device),
        Ok(Err(e)) => Err(CliError::NoGpu(e.to_string())),
        Err(_) => Err(CliError::NoGpu("the driver failed".into())),
    }
}
