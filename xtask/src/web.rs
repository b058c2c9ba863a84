//! Builds the web app: the frontend crate to wasm32, wasm-bindgen's step as a library (at the
//! exact version of wasm-bindgen in Cargo.lock), the static files, the home-screen icons and
//! each file precompressed (Brotli and gzip), into frontend/dist.

use anyhow::{Context, Result};
use std::fs;
use std::path::{Path, PathBuf};

use crate::{cargo, root, sh};

/// The files copied as they are from `frontend/`.
const STATIC: [&str; 4] = ["index.html", "boot.js", "style.css", "manifest.webmanifest"];

/// The icons' sizes (`icons/icon-N.png`, named in the manifest).
const ICONS: [u32; 2] = [192, 512];

pub fn build(dev: bool) -> Result<()> {
    let profile = if dev { "dev" } else { "wasm-release" };
    sh(cargo().args([
        "build",
        "-p",
        "frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        profile,
    ]))?;
    let dir = if dev { "debug" } else { "wasm-release" };
    let wasm = root()
        .join("target/wasm32-unknown-unknown")
        .join(dir)
        .join("frontend.wasm");
    let dist = root().join("frontend/dist");
    let pkg = dist.join("pkg");
    // A new build's modules only: a module of an earlier build must never be loaded with it.
    if pkg.exists() {
        fs::remove_dir_all(&pkg)?;
    }
    fs::create_dir_all(&pkg)?;
    let main = split(&wasm, &pkg)?;
    bindgen(&main, &pkg, dev)?;
    if !dev {
        for part in parts() {
            if part.ends_with(".wasm") {
                strip_names(&dist.join(part))?;
            }
        }
    }
    for file in STATIC {
        fs::copy(root().join("frontend").join(file), dist.join(file))
            .with_context(|| format!("copy {file}"))?;
    }
    fs::create_dir_all(dist.join("icons"))?;
    for size in ICONS {
        crate::icon::write(&dist.join(format!("icons/icon-{size}.png")), size)?;
    }
    // The service worker names its cache after the files it keeps, so each build is a new one.
    let files = shell();
    let mut crc = flate2::Crc::new();
    for file in &files {
        crc.update(&fs::read(dist.join(file)).with_context(|| format!("read {file}"))?);
    }
    let list = files
        .iter()
        .map(|f| format!("'/{f}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let sw = fs::read_to_string(root().join("frontend/sw.js"))?
        .replace("__VERSION__", &format!("{:08x}", crc.sum()))
        .replace("'__FILES__'", &list);
    fs::write(dist.join("sw.js"), sw)?;
    // Compressed once here, so the server sends `.br` or `.gz` files instead of compressing per
    // request (PNG is compressed already).
    for file in files.iter().chain(&["sw.js".to_owned()]) {
        if !file.ends_with(".png") {
            precompress(&dist.join(file))?;
        }
    }
    eprintln!("web app built in {}", dist.display());
    Ok(())
}

/// Every file of the app, relative to `dist`: what the service worker keeps for offline use
/// (the pages loaded apart included, so that they open offline too).
pub fn shell() -> Vec<String> {
    let mut files: Vec<String> = STATIC.iter().map(|f| (*f).to_owned()).collect();
    files.extend(ICONS.iter().map(|s| format!("icons/icon-{s}.png")));
    files.extend([
        "pkg/frontend.js".to_owned(),
        "pkg/frontend_bg.wasm".to_owned(),
    ]);
    files.extend(parts());
    files
}

/// The modules loaded apart (the app's `wasm_split` functions) and their loader, relative to `dist`
/// (`pkg/…`).
pub fn parts() -> Vec<String> {
    let mut parts: Vec<String> = fs::read_dir(root().join("frontend/dist/pkg"))
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| {
                    n == SPLIT_LOADER
                        || ((n.starts_with("split_") || n.starts_with("chunk_"))
                            && n.ends_with(".wasm"))
                })
                .map(|n| format!("pkg/{n}"))
                .collect()
        })
        .unwrap_or_default();
    parts.sort();
    parts
}

/// The loader of the modules loaded apart, beside `frontend.js`.
const SPLIT_LOADER: &str = "__wasm_split.js";

/// Splits the pages marked lazy out of the linked module (wasm_split_cli_support, the library
/// cargo-leptos uses; the link needs `--emit-relocs`, set in .cargo/config.toml). Writes the
/// parts and their loader into `pkg` and returns the main module, for wasm-bindgen.
fn split(wasm: &Path, pkg: &Path) -> Result<PathBuf> {
    let input = fs::read(wasm).with_context(|| format!("read {}", wasm.display()))?;
    let dir = wasm.with_file_name("split");
    fs::create_dir_all(&dir)?;
    let main = dir.join("frontend.wasm");
    let mut options = wasm_split_cli_support::Options::new(&input);
    options.output_dir = pkg;
    options.main_out_path = &main;
    let link = format!("./{SPLIT_LOADER}");
    options.link_name = &link;
    options.main_module = "./frontend.js";
    wasm_split_cli_support::transform(options).map_err(|e| anyhow::anyhow!("wasm-split: {e:#}"))?;
    Ok(main)
}

/// Drops the custom sections a browser never reads (function names, the producers) from a
/// module loaded apart: the splitter keeps them (a third of the reports page's bytes).
fn strip_names(file: &Path) -> Result<()> {
    let bytes = fs::read(file).with_context(|| format!("read {}", file.display()))?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(bytes.get(..8).context("not a WebAssembly module")?);
    for payload in wasmparser::Parser::new(0).parse_all(&bytes) {
        let payload = payload?;
        if let wasmparser::Payload::CustomSection(custom) = &payload
            && matches!(custom.name(), "name" | "producers")
        {
            continue;
        }
        if let Some((id, range)) = payload.as_section() {
            out.push(id);
            leb128(&mut out, range.len());
            out.extend_from_slice(&bytes[range]);
        }
    }
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(&out)
        .with_context(|| format!("{} once stripped", file.display()))?;
    fs::write(file, out).with_context(|| format!("write {}", file.display()))
}

/// `n` as unsigned LEB128, the way WebAssembly writes a section's length.
fn leb128(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// wasm-bindgen's step. Release builds drop the names section (twiggy needs it: `size` keeps it).
pub fn bindgen(wasm: &Path, out: &Path, keep_names: bool) -> Result<()> {
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(wasm)
        .web(true)?
        .keep_debug(keep_names)
        // The split modules' loader reaches the main module's function table through these.
        .keep_lld_exports(true)
        .remove_name_section(!keep_names)
        .remove_producers_section(true)
        .generate(out)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))
}

/// Writes `FILE.br` (Brotli, best quality) and `FILE.gz` (gzip, best) beside `file`.
fn precompress(file: &Path) -> Result<()> {
    use std::io::Write;
    let data = fs::read(file).with_context(|| format!("read {}", file.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&data)?;
    fs::write(with_suffix(file, "gz"), gz.finish()?)?;
    fs::write(with_suffix(file, "br"), brotli(&data)?)?;
    Ok(())
}

/// Brotli at quality 11 with a window as large as the file needs (up to 16 MB).
fn brotli(data: &[u8]) -> Result<Vec<u8>> {
    let params = ::brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        size_hint: data.len(),
        ..Default::default()
    };
    let mut out = Vec::new();
    ::brotli::BrotliCompress(&mut &data[..], &mut out, &params)?;
    Ok(out)
}

fn with_suffix(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}
