// Photos the inspection test and benchmark give the app, as a camera would.

/// A JPEG of `width` × `height` drawn in the page (as a camera's would be), different by `seed`.
async function jpeg(page, width, height, seed) {
  const b64 = await page.evaluate(async ([w, h, seed]) => {
    const canvas = new OffscreenCanvas(w, h);
    const g = canvas.getContext('2d');
    const sky = g.createLinearGradient(0, 0, w, h);
    sky.addColorStop(0, '#3a7'); sky.addColorStop(1, '#35b');
    g.fillStyle = sky;
    g.fillRect(0, 0, w, h);
    for (let i = 0; i < 3000; i++) {
      g.fillStyle = `hsl(${(i * 37 + seed * 11) % 360},60%,${30 + (i % 40)}%)`;
      g.fillRect((i * 7919 + seed * 101) % w, (i * 104729 + seed) % h, 20 + (i % 60), 10 + (i % 45));
    }
    const blob = await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let s = '';
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }, [width, height, seed]);
  return Buffer.from(b64, 'base64');
}

module.exports = { jpeg };
