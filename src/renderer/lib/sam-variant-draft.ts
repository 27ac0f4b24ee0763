// The SAM variant's part of the form draft: the chosen kind plus every variant's settings, so
// switching the kind back and forth keeps what was typed. Defaults come from the shared schema.
import { SAM_VARIANT_KINDS, type SamConfigInput, type SamVariantConfig, type SamVariantKind, samVariantSchema } from '../../shared/config';
import { type NumIn, blank, num, numOrNull } from './draft-values';

export interface VariantDraft {
  kind: SamVariantKind;
  gsam: { alpha: NumIn; rhoMin: NumIn };
  esam: { beta: NumIn; gamma: NumIn };
  looksam: { k: NumIn; alpha: NumIn };
  friendly: { sigma: NumIn; lambda: NumIn };
}

type Of<K extends SamVariantKind> = Extract<SamVariantConfig, { kind: K }>;
const defaults = <K extends SamVariantKind>(kind: K): Of<K> => samVariantSchema.parse({ kind }) as Of<K>;

/** The draft of a config's variant (SAM when there is none); the other variants at their defaults. */
export function variantToDraft(v: SamVariantConfig | undefined): VariantDraft {
  const pick = <K extends SamVariantKind>(kind: K): Of<K> => (v?.kind === kind ? (v as Of<K>) : defaults(kind));
  const [g, e, l, f] = [pick('gsam'), pick('esam'), pick('looksam'), pick('friendly-sam')];
  return {
    kind: v?.kind ?? 'sam',
    gsam: { alpha: g.alpha, rhoMin: blank(g.rhoMin) },
    esam: { beta: e.beta, gamma: e.gamma },
    looksam: { k: l.k, alpha: l.alpha },
    friendly: { sigma: f.sigma, lambda: f.lambda },
  };
}

/** What the schema validates: the chosen kind and only its own settings. */
export function draftToVariant(d: VariantDraft): NonNullable<SamConfigInput['variant']> {
  switch (d.kind) {
    case 'gsam':
      return { kind: d.kind, alpha: num(d.gsam.alpha), rhoMin: numOrNull(d.gsam.rhoMin) };
    case 'esam':
      return { kind: d.kind, beta: num(d.esam.beta), gamma: num(d.esam.gamma) };
    case 'looksam':
      return { kind: d.kind, k: num(d.looksam.k), alpha: num(d.looksam.alpha) };
    case 'friendly-sam':
      return { kind: d.kind, sigma: num(d.friendly.sigma), lambda: num(d.friendly.lambda) };
    default:
      return { kind: d.kind };
  }
}

/** The sweep's variants for the chosen kinds: the base config's own settings for its kind, the papers' defaults otherwise. */
export function sweepVariants(kinds: readonly SamVariantKind[], base: { sam: { variant: SamVariantConfig } | null } | null): SamVariantConfig[] {
  // In the order of the list (SAM, GSAM, ESAM, …), whatever order they were ticked in.
  return SAM_VARIANT_KINDS.filter((k) => kinds.includes(k)).map((k) => (base?.sam?.variant.kind === k ? base.sam.variant : defaults(k)));
}
