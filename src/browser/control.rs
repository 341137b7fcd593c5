//! Pause, resume and stop for a training run, set from message handlers while the run awaits.

use std::cell::RefCell;
use std::rc::Rc;

use super::timer::sleep;
use crate::core::train::{Control, Flow};
use crate::protocol::Event;

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
        RunControl { control: self.clone(), emit }
    }
}

/// [`Control`] for one run: yields to the event loop after every step so that messages get in,
/// and while paused waits (polling every 50 ms) for resume or stop.
pub struct RunControl {
    control: TrainingControl,
    emit: Rc<dyn Fn(Event)>,
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
}
