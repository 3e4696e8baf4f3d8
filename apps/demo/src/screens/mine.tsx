import type { LocalNote, Photo, SyncConflict } from '@shoebox/client';
import { useEffect, useState } from 'preact/hooks';
import type { ScreenProps } from '../app.js';
import { useSyncState } from '../use-sync.js';

const WAITING: Record<NonNullable<LocalNote['pending']>, string> = {
  create: 'Waiting to be sent',
  update: 'Change waiting to be sent',
  delete: 'Deletion waiting to be sent',
};

/** My notes, newest first, as kept on this device and live; notes waiting to be sent and conflicts to resolve; my photos. */
export function Mine({ sb, sync, auth, fail }: ScreenProps) {
  const { notes, conflicts, cursor } = useSyncState(sync);
  const [photos, setPhotos] = useState<readonly Photo[]>([]);
  const [editing, setEditing] = useState<string | null>(null);
  useEffect(() => {
    sb.photos.list().then((page) => setPhotos(page.items), fail);
  }, [sb, auth.identityId]);
  const thumbOf = (photoId: string) => photos.find((photo) => photo.photoId === photoId)?.variants.thumb?.url;
  const act = async (what: () => Promise<unknown>) => {
    fail(undefined);
    try {
      await what();
    } catch (error) {
      fail(error);
    }
  };

  const save = (note: LocalNote) => (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    setEditing(null);
    act(() => sync.updateNote(note.noteId, { headline: String(form.get('headline')), text: String(form.get('text')) }));
  };

  return (
    <>
      {conflicts.length > 0 && (
        <section aria-labelledby="conflicts-heading" class="conflicts">
          <h3 id="conflicts-heading">Changed on another device</h3>
          {conflicts.map((conflict) => (
            <Conflict key={conflict.noteId} conflict={conflict} keep={(choice) => act(() => sync.resolve(conflict.noteId, choice))} />
          ))}
        </section>
      )}
      <h3>Notes</h3>
      {cursor !== null && notes.length === 0 && <p>No notes yet.</p>}
      <ul class="notes">
        {notes.map((note) => (
          <li key={note.noteId} class={note.pending ? 'pending' : undefined} data-testid="note">
            {editing === note.noteId ? (
              <form onSubmit={save(note)}>
                <label for={`edit-headline-${note.noteId}`}>Headline</label>
                <input id={`edit-headline-${note.noteId}`} name="headline" required maxLength={200} defaultValue={note.headline} />
                <label for={`edit-text-${note.noteId}`}>Text</label>
                <textarea id={`edit-text-${note.noteId}`} name="text" rows={3} defaultValue={note.text} />
                <div class="actions">
                  <button type="submit">Save</button>
                  <button type="button" onClick={() => setEditing(null)}>
                    Cancel
                  </button>
                </div>
              </form>
            ) : (
              <>
                <h4>{note.headline}</h4>
                <p>{note.text}</p>
                {note.photoIds.map(
                  (photoId) => thumbOf(photoId) && <img key={photoId} src={thumbOf(photoId)} alt={`Attached to ${note.headline}`} />,
                )}
                {note.pending && (
                  <p class="badge" data-testid="pending">
                    {WAITING[note.pending]}
                  </p>
                )}
                {note.pending !== 'delete' && (
                  <div class="actions">
                    <button type="button" onClick={() => setEditing(note.noteId)} aria-label={`Edit ${note.headline}`}>
                      Edit
                    </button>
                    <button
                      type="button"
                      class="danger"
                      onClick={() => act(() => sync.deleteNote(note.noteId))}
                      aria-label={`Delete ${note.headline}`}
                    >
                      Delete
                    </button>
                  </div>
                )}
              </>
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

/** Both versions of a note side by side, and the choice of which to keep. */
function Conflict({ conflict, keep }: { conflict: SyncConflict; keep: (choice: 'mine' | 'theirs') => void }) {
  const { mine, theirs } = conflict;
  return (
    <article class="conflict" data-testid="conflict">
      <p>This note was changed on another device while you changed it here. Which version do you keep?</p>
      <div class="versions">
        <section aria-label="Your version">
          <h4>Yours</h4>
          {mine ? <Version headline={mine.headline} text={mine.text} /> : <p>You deleted it.</p>}
        </section>
        <section aria-label="The other version">
          <h4>The other device’s</h4>
          {theirs ? <Version headline={theirs.headline} text={theirs.text} /> : <p>Deleted there.</p>}
        </section>
      </div>
      <div class="actions">
        <button type="button" onClick={() => keep('mine')}>
          Keep mine
        </button>
        <button type="button" onClick={() => keep('theirs')}>
          Keep theirs
        </button>
      </div>
    </article>
  );
}

const Version = ({ headline, text }: { headline: string; text: string }) => (
  <>
    <p class="headline">{headline}</p>
    <p>{text}</p>
  </>
);
