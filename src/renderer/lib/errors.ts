// A thrown API error as one line for the page (validation errors list their fields).
export function errorText(err: unknown): string {
  if (err instanceof Error) {
    const issues = (err as { issues?: { field: string; message: string }[] }).issues;
    if (issues?.length) return issues.map((i) => (i.field && !i.message.includes(i.field) ? `${i.field}: ${i.message}` : i.message)).join('; ');
    return err.message;
  }
  return String(err);
}
