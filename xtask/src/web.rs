//! Builds the web app: the frontend crate to wasm32, wasm-bindgen's step as a library (at the
//! exact version of wasm-bindgen in Cargo.lock), and the static files, into frontend/dist.

use anyhow::{Context, Result};
use std::fs;
use std::path::Path;

use crate::{cargo, root, sh};

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
    fs::create_dir_all(&pkg)?;
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .keep_debug(dev)
        .remove_name_section(!dev)
        .remove_producers_section(true)
        .generate(&pkg)
        .with_context(|| format!("wasm-bindgen on {}", wasm.display()))?;
    for file in ["index.html", "boot.js", "style.css"] {
        fs::copy(Path::new("frontend").join(file), dist.join(file))
            .with_context(|| format!("copy {file}"))?;
    }
    // The service worker names its cache after the files it keeps, so each build is a new one.
    let mut crc = flate2::Crc::new();
    for file in [
        "index.html",
        "boot.js",
        "style.css",
        "pkg/frontend.js",
        "pkg/frontend_bg.wasm",
    ] {
        crc.update(&fs::read(dist.join(file))?);
    }
    let sw = fs::read_to_string(Path::new("frontend").join("sw.js"))?
        .replace("__VERSION__", &format!("{:08x}", crc.sum()));
    fs::write(dist.join("sw.js"), sw)?;
    // Compressed once here, so the server sends `.gz` files instead of compressing per request.
    for file in [
        dist.join("style.css"),
        pkg.join("frontend.js"),
        pkg.join("frontend_bg.wasm"),
    ] {
        gzip(&file)?;
    }
    eprintln!("web app built in {}", dist.display());
    Ok(())
}

fn gzip(file: &Path) -> Result<()> {
    use std::io::Write;
    let data = fs::read(file).with_context(|| format!("read {}", file.display()))?;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&data)?;
    let mut name = file.as_os_str().to_owned();
    name.push(".gz");
    fs::write(&name, gz.finish()?)?;
    Ok(())
}
