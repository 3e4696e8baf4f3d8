import type { Note, Photo } from '@shoebox/client';
import { useEffect, useState } from 'preact/hooks';
import type { ScreenProps } from '../app.js';

/** My notes, newest first, and my photos. */
export function Mine({ sb, auth, fail }: ScreenProps) {
  const [notes, setNotes] = useState<readonly Note[] | null>(null);
  const [photos, setPhotos] = useState<readonly Photo[]>([]);
  useEffect(() => {
    sb.notes.list().then((page) => setNotes(page.items), fail);
    sb.photos.list().then((page) => setPhotos(page.items), fail);
  }, [sb, auth.identityId]);
  const thumbOf = (photoId: string) => photos.find((photo) => photo.photoId === photoId)?.variants.thumb?.url;
  return (
    <>
      <h3>Notes</h3>
      {notes?.length === 0 && <p>No notes yet.</p>}
      <ul class="notes">
        {notes?.map((note) => (
          <li key={note.noteId}>
            <h4>{note.headline}</h4>
            <p>{note.text}</p>
            {note.photoIds.map(
              (photoId) => thumbOf(photoId) && <img key={photoId} src={thumbOf(photoId)} alt={`Attached to ${note.headline}`} />,
            )}
          </li>
        ))}
      </ul>
      <h3>Photos</h3>
      {photos.length === 0 && <p>No photos yet.</p>}
      <ul class="photos">
        {photos.map((photo) => (
          <li key={photo.photoId}>
            {photo.variants.thumb ? <img src={photo.variants.thumb.url} alt={`Thumbnail ${photo.photoId}`} /> : <span>{photo.status}</span>}
          </li>
        ))}
      </ul>
    </>
  );
}
