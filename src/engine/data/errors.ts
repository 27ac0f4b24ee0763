// Data errors always say which file (or folder) was wrong and what was expected, so a user can
// fix the input without reading our source.
export class DataError extends Error {
  constructor(
    message: string,
    /** The offending file or folder, when there is one. */
    public readonly file: string | null = null,
  ) {
    super(message);
    this.name = 'DataError';
  }
}

/** Prefix a message with the file it is about. */
export function fileError(file: string, message: string): DataError {
  return new DataError(`${file}: ${message}`, file);
}
