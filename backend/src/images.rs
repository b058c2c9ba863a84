//! The smaller sizes of a photo (`shared::inspection::photo::PhotoSize`): decoded, scaled and
//! encoded again as JPEG with the `image` crate, whose types stay in this file. Blocking work:
//! callers run it off the async threads.

use shared::inspection::photo::PhotoSize;

/// A JPEG and its size in pixels.
#[derive(Debug, Clone)]
pub struct Jpeg {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Why a photo could not be read or written (a file that is not a whole JPEG).
#[derive(Debug, thiserror::Error)]
#[error("image: {0}")]
pub struct ImageError(String);

impl From<image::ImageError> for ImageError {
    fn from(e: image::ImageError) -> Self {
        Self(e.to_string())
    }
}

/// The quality smaller sizes are written at.
const QUALITY: u8 = 80;

/// The photo at `size`: the JPEG as it is when it is no larger, else scaled down (a triangle
/// filter: smooth enough for print, quick on one core).
///
/// # Errors
/// When `jpeg` cannot be decoded.
pub fn scaled(jpeg: &[u8], size: PhotoSize) -> Result<Jpeg, ImageError> {
    let (width, height) = dimensions(jpeg)?;
    let (w, h) = size.fit(width, height);
    if (w, h) == (width, height) {
        return Ok(Jpeg {
            bytes: jpeg.to_vec(),
            width,
            height,
        });
    }
    let decoded = image::load_from_memory_with_format(jpeg, image::ImageFormat::Jpeg)?;
    let small = decoded
        .resize_exact(w, h, image::imageops::FilterType::Triangle)
        .into_rgb8();
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, QUALITY).encode_image(&small)?;
    Ok(Jpeg {
        bytes,
        width: w,
        height: h,
    })
}

/// A JPEG's width and height, from its header.
///
/// # Errors
/// When `jpeg` is not a JPEG.
pub fn dimensions(jpeg: &[u8]) -> Result<(u32, u32), ImageError> {
    let reader =
        image::ImageReader::with_format(std::io::Cursor::new(jpeg), image::ImageFormat::Jpeg);
    Ok(reader.into_dimensions()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(width: u32, height: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(width, height, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap_or_else(|e| panic!("{e}"));
        out
    }

    #[test]
    fn a_photo_is_scaled_down_to_its_size_and_a_small_one_kept_as_it_is() {
        let big = photo(2_000, 1_500);
        let thumb = scaled(&big, PhotoSize::Thumb).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((thumb.width, thumb.height), (320, 240));
        assert_eq!(dimensions(&thumb.bytes).ok(), Some((320, 240)));
        assert!(thumb.bytes.len() < big.len() / 10);
        let small = photo(300, 200);
        let same = scaled(&small, PhotoSize::Print).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(same.bytes, small);
    }

    #[test]
    fn what_is_not_a_jpeg_is_an_error_not_a_panic() {
        assert!(scaled(b"not a photo", PhotoSize::Thumb).is_err());
        // Cut inside its header: no size to read. (Cut inside its picture data, a JPEG still
        // decodes, its missing part grey, as every reader shows it.)
        let mut cut = photo(400, 300);
        cut.truncate(40);
        assert!(scaled(&cut, PhotoSize::Thumb).is_err());
        assert!(dimensions(&cut).is_err());
    }
}
