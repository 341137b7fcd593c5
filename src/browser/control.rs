//! Pause, resume and stop for a training run, set from message handlers while the run awaits.

use std::cell::RefCell;
use std::rc::Rc;

use super::timer::sleep;
use crate::core::train::{Checkpoint, Control, Flow};
use crate::protocol::{Event, RequestKind};

/// A checkpoint every this many optimizer steps, besides one at every epoch's end: a crash
/// costs at most these steps (a checkpoint reads back every weight and moment, about 270 MB
/// for MiniLM-L6, so not after every step).
pub const CHECKPOINT_EVERY: usize = 50;

#[derive(Debug, Default)]
struct State {
    paused: bool,
    stop: bool,
    /// Optimizer steps finished in the current run.
    steps: usize,
}

/// A handle the page's messages (or JS API calls) flip; cloned into the running loop.
#[derive(Debug, Clone, Default)]
pub struct TrainingControl {
    state: Rc<RefCell<State>>,
}

impl TrainingControl {
    pub fn pause(&self) {
        self.state.borrow_mut().paused = true;
    }

    pub fn resume(&self) {
        self.state.borrow_mut().paused = false;
    }

    pub fn stop(&self) {
        self.state.borrow_mut().stop = true;
    }

    /// A fresh run: not paused, not stopped, no steps.
    pub fn reset(&self) {
        *self.state.borrow_mut() = State::default();
    }

    /// The controller a run consults between steps; it reports pauses through `emit`.
    pub fn for_run(&self, emit: Rc<dyn Fn(Event)>) -> RunControl {
        self.reset();
        RunControl { control: self.clone(), emit, checkpoints: false }
    }
}

/// [`Control`] for one run: yields to the event loop after every step so that messages get in,
/// and while paused waits (polling every 50 ms) for resume or stop.
pub struct RunControl {
    control: TrainingControl,
    emit: Rc<dyn Fn(Event)>,
    /// Emit [`Event::Checkpoint`]s (the page's worker does; the JS package has nowhere to keep
    /// them).
    checkpoints: bool,
}

impl RunControl {
    pub fn with_checkpoints(mut self) -> Self {
        self.checkpoints = true;
        self
    }
}

impl Control for RunControl {
    async fn between_steps(&mut self) -> Flow {
        self.control.state.borrow_mut().steps += 1;
        sleep(0).await;
        let mut paused_at = None;
        loop {
            let (paused, stop, step) = {
                let s = self.control.state.borrow();
                (s.paused, s.stop, s.steps)
            };
            if stop {
                return Flow::Stop;
            }
            if !paused {
                if paused_at.is_some() {
                    (self.emit)(Event::Resumed { step });
                }
                return Flow::Continue;
            }
            if paused_at.is_none() {
                paused_at = Some(step);
                (self.emit)(Event::Paused { step });
            }
            sleep(50).await;
        }
    }

    fn wants_checkpoint(&mut self, step: usize, epoch_end: bool) -> bool {
        self.checkpoints && (epoch_end || step % CHECKPOINT_EVERY == 0)
    }

    fn checkpoint(&mut self, checkpoint: Checkpoint) {
        match checkpoint.to_bytes() {
            Ok(bytes) => (self.emit)(Event::Checkpoint { step: checkpoint.step, epoch: checkpoint.epoch, bytes }),
            // Training goes on; only the safety net is missing, and the page says so.
            Err(e) => (self.emit)(Event::error(RequestKind::Unknown, e.to_string())),
        }
    }
}
