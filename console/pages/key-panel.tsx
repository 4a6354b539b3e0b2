/** The OBS settings of a stream right after create or reset-key: the only time its key is shown. */
import type { StreamWithKey } from '../api';
import { CopyField } from '../components/common';

export function KeyPanel({ stream, onDone }: { stream: StreamWithKey; onDone: () => void }) {
  return (
    <section class="card key-panel" aria-labelledby="key-panel-title">
      <h2 id="key-panel-title">OBS settings for “{stream.name}”</h2>
      <p class="warning" role="alert">
        The stream key is shown only now. Copy it somewhere safe: it cannot be shown again (reset it to get a new one).
      </p>
      <p class="hint">OBS: Settings → Stream → Service “Custom…”.</p>
      <CopyField label="Server" value={stream.ingest.server} />
      <CopyField label="Stream key" value={stream.streamKey} secret />
      <CopyField label="Full ingest URL (ffmpeg)" value={stream.ingest.url} secret />
      <button type="button" class="secondary" onClick={onDone}>
        I have stored the key
      </button>
    </section>
  );
}
