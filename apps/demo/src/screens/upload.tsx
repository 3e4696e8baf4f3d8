import type { Photo } from '@shoebox/client';
import { useRef, useState } from 'preact/hooks';
import type { ScreenProps } from '../app.js';
import { downscale } from '../downscale.js';

/** Choose or take a photo, preview it, downscale it, upload it with a progress bar, then show its thumbnail. */
export function Upload({ sb, fail }: ScreenProps) {
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState('');
  const [progress, setProgress] = useState<number | null>(null);
  const [photo, setPhoto] = useState<Photo | null>(null);
  const cancel = useRef<AbortController | null>(null);

  const choose = (event: Event) => {
    const chosen = (event.currentTarget as HTMLInputElement).files?.[0] ?? null;
    if (preview) URL.revokeObjectURL(preview);
    setFile(chosen);
    setPreview(chosen ? URL.createObjectURL(chosen) : '');
    setPhoto(null);
    setProgress(null);
  };

  const upload = async (event: Event) => {
    event.preventDefault();
    if (!file) return;
    fail(undefined);
    cancel.current = new AbortController();
    setProgress(0);
    try {
      const bytes = await downscale(file).catch(() => file);
      const done = await sb.photos.upload(bytes, {
        contentType: bytes.type || file.type,
        onProgress: ({ loaded, total }) => setProgress(loaded / total),
        signal: cancel.current.signal,
        waitUntilReady: true,
      });
      setPhoto(done);
    } catch (error) {
      fail(error);
    } finally {
      setProgress(null);
      cancel.current = null;
    }
  };

  return (
    <form onSubmit={upload}>
      <label for="photo-file">Photo</label>
      <input id="photo-file" type="file" accept="image/jpeg,image/png,image/webp,image/avif" capture="environment" onChange={choose} />
      {preview && <img class="preview" src={preview} alt="Preview of the chosen file" />}
      <div class="actions">
        <button type="submit" disabled={!file || progress !== null}>
          Upload
        </button>
        {progress !== null && (
          <button type="button" onClick={() => cancel.current?.abort()}>
            Cancel
          </button>
        )}
      </div>
      {progress !== null && (
        <progress max={1} value={progress} aria-label="Upload progress">
          {Math.round(progress * 100)}%
        </progress>
      )}
      {photo?.variants.thumb && (
        <figure class="uploaded">
          <img src={photo.variants.thumb.url} alt="Thumbnail of the upload, as processed" data-testid="thumbnail" />
          <figcaption>Uploaded and processed: {photo.photoId}</figcaption>
        </figure>
      )}
    </form>
  );
}
