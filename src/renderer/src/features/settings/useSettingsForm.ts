import { useState } from 'react';
import type { NodeApi } from '../../../../shared/api/contract';
import { useApp, type SaveError } from '../../store';

/**
 * One Settings section's edit-and-save cycle: the user's draft (null while the fields follow the stored settings),
 * the value the fields show (the draft, or else `stored`: the settings, which the CLI may change too),
 * whether to show the page's own checks, and the node's refusal with its issues by settings path. applyNow is for
 * the section's switches, which take effect at once without a draft.
 */
export function useSettingsForm<D>(stored: D) {
  const applyNow = useApp((s) => s.applyNow);
  const [draft, setDraft] = useState<D | null>(null);
  const [showErrors, setShowErrors] = useState(false);
  const [refused, setRefused] = useState<SaveError | null>(null);
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  return {
    applyNow,
    draft,
    value: draft ?? stored,
    showErrors,
    saving,
    saved,
    /** The node's reason for refusing the field at `path` in the last save, if it did. */
    /** The refusal's message when no field's issue explains it. */
    unplaced: refused && refused.issues.length === 0 ? refused.message : null,
    issue: (path: string) => refused?.issues.find((i) => i.path === path)?.message ?? null,
    edit(next: D) {
      setDraft(next);
      setSaved(false);
      setRefused(null);
    },
    /** The page's checks are shown from the first save on. */
    attempt: () => setShowErrors(true),
    async save(patch: Parameters<NodeApi['updateSettings']>[0]) {
      setSaving(true);
      const error = await applyNow(patch);
      setSaving(false);
      if (error) {
        setRefused(error);
        return;
      }
      setDraft(null);
      setShowErrors(false);
      setSaved(true);
    },
  };
}
