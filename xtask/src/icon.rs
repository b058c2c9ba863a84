//! The app's icon for the home screen, drawn at build time (no image file in the repository):
//! a plan's page with its lines and a tick, white on the app's blue, full-bleed so that Android
//! may mask it to any shape (everything stays inside the central 80 %, the maskable safe zone).

use anyhow::Result;
use std::path::Path;

const BLUE: [u8; 3] = [0x1d, 0x4e, 0x89];
const WHITE: [u8; 3] = [0xff, 0xff, 0xff];
const GREEN: [u8; 3] = [0x2e, 0x9e, 0x5b];

/// What covers the point (x, y) of the unit square, topmost first.
fn paint(x: f64, y: f64) -> [u8; 3] {
    // The tick, in a green disc at the page's lower right.
    let (cx, cy) = (0.66, 0.68);
    let in_disc = (x - cx).powi(2) + (y - cy).powi(2) <= 0.14f64.powi(2);
    if in_disc {
        let near = |ax: f64, ay: f64, bx: f64, by: f64| {
            let (dx, dy) = (bx - ax, by - ay);
            let t = (((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)).clamp(0.0, 1.0);
            ((x - ax - t * dx).powi(2) + (y - ay - t * dy).powi(2)).sqrt() <= 0.022
        };
        let tick = near(cx - 0.07, cy + 0.0, cx - 0.02, cy + 0.055)
            || near(cx - 0.02, cy + 0.055, cx + 0.075, cy - 0.05);
        return if tick { WHITE } else { GREEN };
    }
    // A white ring separates the disc from the page.
    if (x - cx).powi(2) + (y - cy).powi(2) <= 0.165f64.powi(2) {
        return BLUE;
    }
    // The page and its lines (a heading, then four lines of tasks).
    let page = (0.27..=0.73).contains(&x) && (0.2..=0.8).contains(&y);
    if page {
        let line =
            |top: f64, right: f64| (0.34..=right).contains(&x) && (top..=top + 0.035).contains(&y);
        if line(0.28, 0.66) || line(0.38, 0.62) || line(0.46, 0.58) || line(0.54, 0.5) {
            return BLUE;
        }
        return WHITE;
    }
    BLUE
}

/// Writes the icon as a square PNG of `size` pixels, 4×4 samples per pixel.
pub fn write(path: &Path, size: u32) -> Result<()> {
    let mut pixels = Vec::with_capacity((size * size * 3) as usize);
    for py in 0..size {
        for px in 0..size {
            let mut sum = [0u32; 3];
            for sy in 0..4 {
                for sx in 0..4 {
                    let x = (f64::from(px) + (f64::from(sx) + 0.5) / 4.0) / f64::from(size);
                    let y = (f64::from(py) + (f64::from(sy) + 0.5) / 4.0) / f64::from(size);
                    for (s, c) in sum.iter_mut().zip(paint(x, y)) {
                        *s += u32::from(c);
                    }
                }
            }
            pixels.extend(sum.map(|s| (s / 16) as u8));
        }
    }
    let file = std::io::BufWriter::new(std::fs::File::create(path)?);
    let mut encoder = png::Encoder::new(file, size, size);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    encoder.write_header()?.write_image_data(&pixels)?;
    Ok(())
}
