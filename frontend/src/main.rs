//! The web app: Leptos, client-side rendered, in WebAssembly.

mod api;
mod app;
mod components;
mod device;
mod dom;
mod error;
mod kv;
mod pages;
mod session;
mod state;

fn main() {
    device::mark("app-start");
    console_error_panic_hook::set_once();
    api::EarlyPull::start();
    leptos::mount::mount_to_body(app::App);
}
