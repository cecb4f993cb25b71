// Phone-like photos for the image tests, made with sharp: gradients under gaussian noise compress
// the way real photos do (a 4000×3000 one at quality 90 is about 6 MB), optionally with EXIF that
// carries a GPS position, as a phone camera writes it.
import sharp from "sharp";

/** The EXIF a phone camera writes: make, model and where the photo was taken. */
export const GPS_EXIF = {
  IFD0: { Make: "CitaPhone", Model: "Test 1" },
  IFD3: { GPSLatitudeRef: "N", GPSLatitude: "40/1 25/1 0/1", GPSLongitudeRef: "W", GPSLongitude: "3/1 42/1 0/1" },
};

/** Raw RGB pixels of a photo-like picture. */
export async function photoPixels(width: number, height: number): Promise<Buffer> {
  const px = await sharp({
    create: { width, height, channels: 3, background: "#000", noise: { type: "gaussian", mean: 128, sigma: 12 } },
  })
    .raw()
    .toBuffer();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      px[i] = (px[i]! + (x * 255) / width) & 255;
      px[i + 1] = (px[i + 1]! + (y * 255) / height) & 255;
    }
  }
  return px;
}

/** A JPEG photo, with the phone's GPS EXIF unless `exif: false`. */
export async function photoJpeg(
  width: number,
  height: number,
  o: { exif?: boolean; orientation?: number; quality?: number } = {},
): Promise<Buffer> {
  let img = sharp(await photoPixels(width, height), { raw: { width, height, channels: 3 } });
  if (o.exif !== false) img = img.withExif(GPS_EXIF);
  if (o.orientation) img = img.withMetadata({ orientation: o.orientation });
  return img.jpeg({ quality: o.quality ?? 90 }).toBuffer();
}
