//! Drag and drop on Pointer Events, for mouse, pen and touch alike (HTML5 drag and drop never
//! fires for touch). A mouse drag starts once the pointer has moved a few pixels. A touch drag
//! starts after a long press (about half a second) without moving; a finger that moves before
//! that is scrolling, and nothing is dragged. While a drag runs, the page does not scroll under
//! the finger (its `touchmove`s are cancelled) and the list under the pointer scrolls by itself
//! when the pointer nears its top or bottom edge. Escape cancels.

use leptos::prelude::*;
use shared::ids::NodeId;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;

/// How long a touch must rest before it picks something up.
pub const LONG_PRESS_MS: i32 = 500;
/// How far a mouse moves before a drag starts; how far a finger may wander during a long press.
const MOUSE_SLOP: f64 = 6.0;
const TOUCH_SLOP: f64 = 10.0;
/// Distance from a list's edge at which it scrolls by itself, and the fastest step per frame.
const EDGE: f64 = 56.0;
const MAX_STEP: f64 = 18.0;

pub use shared::board::{DragItem, Target, Zone};

/// A drag in progress, as the page shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Active {
    pub item: DragItem,
    /// What the ghost under the finger says.
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub target: Option<Target>,
}

struct Pending {
    item: DragItem,
    label: String,
    pointer: i32,
    touch: bool,
    x0: f64,
    y0: f64,
    x: f64,
    y: f64,
    timer: Option<i32>,
}

/// The drag-and-drop state of a page, shared through context. `on_drop` is called with the item
/// and the target when a drag ends over one.
#[derive(Clone, Copy)]
pub struct Dnd {
    pub active: RwSignal<Option<Active>>,
    pending: StoredValue<Option<Pending>, LocalStorage>,
    /// A drag just ended: the click that follows it is not a tap.
    swallow_click: StoredValue<bool>,
    on_drop: StoredValue<Rc<dyn Fn(DragItem, Target)>, LocalStorage>,
}

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

fn clear_timer(t: Option<i32>) {
    if let (Some(t), Some(w)) = (t, window()) {
        w.clear_timeout_with_handle(t);
    }
}

impl Dnd {
    /// Sets up the page-wide listeners (removed when the owner is cleaned up).
    pub fn new(on_drop: impl Fn(DragItem, Target) + 'static) -> Self {
        let dnd = Self {
            active: RwSignal::new(None),
            pending: StoredValue::new_local(None),
            swallow_click: StoredValue::new(false),
            on_drop: StoredValue::new_local(Rc::new(on_drop)),
        };
        let moved = window_event_listener(leptos::ev::pointermove, move |ev| dnd.on_move(&ev));
        // A new press anywhere: whatever click followed the last drop has come (or never will).
        let down = window_event_listener(leptos::ev::pointerdown, move |_| {
            if dnd.active.with_untracked(Option::is_none) {
                dnd.swallow_click.set_value(false);
            }
        });
        let up = window_event_listener(leptos::ev::pointerup, move |ev| dnd.on_up(&ev));
        let cancel = window_event_listener(leptos::ev::pointercancel, move |ev| {
            // The browser took the gesture (a scroll): nothing is dragged.
            if dnd.pending_pointer() == Some(ev.pointer_id()) {
                dnd.reset();
            }
        });
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" && dnd.active.get_untracked().is_some() {
                dnd.reset();
            }
        });
        // Touch moves during a drag must not scroll the page: cancelled in a listener that is
        // allowed to (not passive).
        let touch_guard = StoredValue::new_local(None::<Closure<dyn Fn(web_sys::Event)>>);
        if let Some(doc) = window().and_then(|w| w.document()) {
            let f = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
                if dnd.active.get_untracked().is_some() {
                    ev.prevent_default();
                }
            });
            let opts = web_sys::AddEventListenerOptions::new();
            opts.set_passive(false);
            let _ = doc.add_event_listener_with_callback_and_add_event_listener_options(
                "touchmove",
                f.as_ref().unchecked_ref(),
                &opts,
            );
            touch_guard.set_value(Some(f));
        }
        // Lists scroll by themselves while the pointer rests near their edges.
        let ticker = set_interval_with_handle(
            move || dnd.auto_scroll(),
            std::time::Duration::from_millis(16),
        )
        .ok();
        on_cleanup(move || {
            moved.remove();
            down.remove();
            up.remove();
            cancel.remove();
            keys.remove();
            if let Some(t) = ticker {
                t.clear();
            }
            if let (Some(Some(f)), Some(doc)) = (
                touch_guard.try_update_value(Option::take),
                window().and_then(|w| w.document()),
            ) {
                let _ = doc
                    .remove_event_listener_with_callback("touchmove", f.as_ref().unchecked_ref());
            }
        });
        dnd
    }

    fn pending_pointer(&self) -> Option<i32> {
        self.pending.with_value(|p| p.as_ref().map(|p| p.pointer))
    }

    /// To call from a draggable element's `pointerdown`.
    pub fn press(&self, ev: &web_sys::PointerEvent, item: DragItem, label: String) {
        if !ev.is_primary() || (ev.pointer_type() == "mouse" && ev.button() != 0) {
            return;
        }
        self.reset();
        self.swallow_click.set_value(false);
        let touch = ev.pointer_type() != "mouse";
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let dnd = *self;
        let timer = if touch {
            let f = Closure::once_into_js(move || dnd.start());
            window().and_then(|w| {
                w.set_timeout_with_callback_and_timeout_and_arguments_0(
                    f.unchecked_ref(),
                    LONG_PRESS_MS,
                )
                .ok()
            })
        } else {
            None
        };
        self.pending.set_value(Some(Pending {
            item,
            label,
            pointer: ev.pointer_id(),
            touch,
            x0: x,
            y0: y,
            x,
            y,
            timer,
        }));
    }

    /// A long press or a mouse move made it a drag.
    fn start(&self) {
        let started = self.pending.try_update_value(|p| {
            p.as_mut().map(|p| {
                p.timer = None;
                (p.item.clone(), p.label.clone(), p.x, p.y)
            })
        });
        if let Some(Some((item, label, x, y))) = started {
            if let Some(nav) = window().map(|w| w.navigator()) {
                // A short buzz tells the finger that the task is picked up (where supported).
                let _ = nav.vibrate_with_duration(20);
            }
            let target = hit(x, y);
            self.active.set(Some(Active {
                item,
                label,
                x,
                y,
                target,
            }));
        }
    }

    fn on_move(&self, ev: &web_sys::PointerEvent) {
        if self.pending_pointer() != Some(ev.pointer_id()) {
            return;
        }
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        let (touch, dist, timer) = self
            .pending
            .try_update_value(|p| {
                p.as_mut().map(|p| {
                    p.x = x;
                    p.y = y;
                    (p.touch, (x - p.x0).hypot(y - p.y0), p.timer)
                })
            })
            .flatten()
            .unwrap_or((false, 0.0, None));
        if self.active.get_untracked().is_none() {
            if touch && dist > TOUCH_SLOP {
                // The finger moved before the long press: a scroll, not a drag.
                clear_timer(timer);
                self.pending.set_value(None);
            } else if !touch && dist > MOUSE_SLOP {
                self.start();
            }
            return;
        }
        ev.prevent_default();
        let target = hit(x, y);
        self.active.update(|a| {
            if let Some(a) = a {
                a.x = x;
                a.y = y;
                a.target = target;
            }
        });
    }

    fn on_up(&self, ev: &web_sys::PointerEvent) {
        if self.pending_pointer() != Some(ev.pointer_id()) {
            return;
        }
        let active = self.active.get_untracked();
        let (x, y) = (f64::from(ev.client_x()), f64::from(ev.client_y()));
        self.reset();
        if let Some(a) = active {
            self.swallow_click.set_value(true);
            if let Some(target) = hit(x, y) {
                let f = self.on_drop.get_value();
                f(a.item, target);
            }
        }
    }

    /// Ends any drag or press, dropping nothing.
    pub fn reset(&self) {
        if let Some(p) = self.pending.try_update_value(Option::take).flatten() {
            clear_timer(p.timer);
        }
        if self.active.get_untracked().is_some() {
            self.active.set(None);
        }
    }

    /// True (once) when the click being handled ends a drag rather than being a tap.
    pub fn swallow_click(&self) -> bool {
        let yes = self.swallow_click.get_value();
        self.swallow_click.set_value(false);
        yes
    }

    /// True while a long press is being held (the browser's own long-press menu is suppressed).
    pub fn pressing(&self) -> bool {
        self.pending.with_value(Option::is_some)
    }

    fn auto_scroll(&self) {
        let Some(a) = self.active.get_untracked() else {
            return;
        };
        let Some(list) = scroll_container_at(a.x, a.y) else {
            return;
        };
        let rect = list.get_bounding_client_rect();
        let step = if a.y < rect.top() + EDGE {
            -((rect.top() + EDGE - a.y) / EDGE).min(1.0) * MAX_STEP
        } else if a.y > rect.bottom() - EDGE {
            ((a.y - (rect.bottom() - EDGE)) / EDGE).min(1.0) * MAX_STEP
        } else {
            return;
        };
        let before = list.scroll_top();
        list.set_scroll_top(before + step.round() as i32);
        if list.scroll_top() != before {
            // Other rows are under the pointer now.
            let target = hit(a.x, a.y);
            self.active.update(|a| {
                if let Some(a) = a {
                    a.target = target;
                }
            });
        }
    }
}

fn element_at(x: f64, y: f64) -> Option<web_sys::Element> {
    window()
        .and_then(|w| w.document())
        .and_then(|d| d.element_from_point(x as f32, y as f32))
}

/// The drop target under a point: an agency card, or a tree row and the part of it.
fn hit(x: f64, y: f64) -> Option<Target> {
    let el = element_at(x, y)?;
    if let Some(card) = el.closest("[data-agency]").ok().flatten() {
        return card
            .get_attribute("data-agency")
            .map(|code| Target::Agency(code.into()));
    }
    let row = el.closest(".board-tree [data-id]").ok().flatten()?;
    let id: NodeId = row.get_attribute("data-id")?.parse().ok()?;
    let rect = row.get_bounding_client_rect();
    let at = (y - rect.top()) / rect.height().max(1.0);
    let zone = if at < 0.3 {
        Zone::Before
    } else if at > 0.7 {
        Zone::After
    } else {
        Zone::Inside
    };
    Some(Target::Row(id, zone))
}

/// The list (marked `data-autoscroll`) under a point.
fn scroll_container_at(x: f64, y: f64) -> Option<web_sys::Element> {
    let el = element_at(x, y)?;
    el.closest("[data-autoscroll]").ok().flatten()
}
