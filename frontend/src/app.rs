//! The app's frame: header and routes.

use leptos::prelude::*;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

use crate::pages::plan::PlanPage;
use crate::pages::plans::PlansPage;

#[component]
pub fn App() -> impl IntoView {
    view! {
        <Router>
            <header class="topbar">
                <A href="/" attr:class="brand">"Theo dõi kế hoạch"</A>
            </header>
            <main class="page">
                <Routes fallback=|| view! { <p class="empty">"Không tìm thấy trang này."</p> }>
                    <Route path=path!("/") view=PlansPage />
                    <Route path=path!("/plans/:id") view=PlanPage />
                </Routes>
            </main>
        </Router>
    }
}
