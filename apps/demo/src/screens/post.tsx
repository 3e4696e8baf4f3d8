import { type LocalNote, type Photo, ShoeboxError } from '@shoebox/client';
import { useEffect, useState } from 'preact/hooks';
import type { ScreenProps } from '../app.js';

/** Headline and text, with one of my photos attached if I like; offline, the note waits on the device. */
export function Post({ sb, sync, auth, fail }: ScreenProps) {
  const [photos, setPhotos] = useState<readonly Photo[]>([]);
  const [posted, setPosted] = useState<LocalNote | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    // Offline, the note can still be written: only the photos to attach are missing, which is no failure to report.
    sb.photos.list().then(
      (page) => setPhotos(page.items.filter((photo) => photo.status === 'ready')),
      (error) => (error instanceof ShoeboxError && error.code === 'network_error' ? undefined : fail(error)),
    );
  }, [sb, auth.identityId]);

  const post = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const photoId = String(form.get('photoId') ?? '');
    fail(undefined);
    setBusy(true);
    try {
      setPosted(
        await sync.createNote({
          headline: String(form.get('headline')),
          text: String(form.get('text')),
          ...(photoId && { photoIds: [photoId] }),
        }),
      );
      (event.currentTarget as HTMLFormElement | null)?.reset();
    } catch (error) {
      fail(error);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form onSubmit={post}>
      <label for="note-headline">Headline</label>
      <input id="note-headline" name="headline" required maxLength={200} />
      <label for="note-text">Text</label>
      <textarea id="note-text" name="text" rows={5} />
      <fieldset>
        <legend>Attach a photo</legend>
        <label class="choice">
          <input type="radio" name="photoId" value="" defaultChecked /> None
        </label>
        {photos.map((photo) => (
          <label class="choice" key={photo.photoId}>
            <input type="radio" name="photoId" value={photo.photoId} />
            <img src={photo.variants.thumb?.url} alt={`Thumbnail ${photo.photoId}`} />
          </label>
        ))}
      </fieldset>
      <button type="submit" disabled={busy}>
        Post
      </button>
      {posted && (
        <p role="status" data-testid="posted">
          {posted.pending
            ? `Saved “${posted.headline}” on this device: it is sent when you are back online.`
            : `Posted “${posted.headline}”${posted.photoIds.length > 0 ? ' with its photo' : ''}.`}
        </p>
      )}
    </form>
  );
}
