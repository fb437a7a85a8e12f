/** An error the CLI reports as `error [code]: message` with a non-zero exit, without a stack trace. */
export class CliError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}
