//! The domain and its rules, pure: no IO, no clock, no randomness. Builds for native and wasm32.
//!
//! - [`document`]: what a plan document says about itself (metadata, references, levels);
//! - [`import`]: plan text → metadata, references and an outline;
//! - [`ids`], [`rank`], [`plan`]: the plan tree's data;
//! - [`assignment`]: lead and coordinating agencies, task status, agency load;
//! - [`access`]: what each user role may change;
//! - [`mutation`]: every change as a typed mutation, applied by one pure function;
//! - [`validate`], [`limits`]: the rules for what users type;
//! - [`outline`]: the rows a tree view shows, with diacritic-insensitive filtering ([`text`]);
//! - [`sync`]: offline-first sync (device replica, server authority, conflicts);
//! - [`inspection`]: field inspections and their photos;
//! - [`api`]: request and response bodies of the HTTP API.

pub mod access;
pub mod actor;
pub mod api;
pub mod assignment;
pub mod board;
pub mod citations;
pub mod dates;
pub mod document;
pub mod ids;
pub mod import;
pub mod inspection;
pub mod limits;
pub mod mutation;
pub mod plan;
pub mod plan_state;
pub mod rank;
pub mod registry;
pub mod report;
pub mod rows;
pub mod scan;
pub mod sync;
pub mod text;
pub mod validate;
