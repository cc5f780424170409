/**
 * The runner's stdout command protocol (`::name key=value,key=value::message`). Values are escaped
 * the way the runner unescapes them: `%`, CR and LF in the message; additionally `:` and `,` in
 * property values, which would otherwise end the value early.
 */

/** Escapes a command's message part. */
export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** Escapes a command property value (file, title …). */
export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/** One command line, without the trailing newline; properties that are undefined are left out. */
export function formatCommand(
  name: string,
  properties: Readonly<Record<string, string | number | undefined>>,
  message: string,
): string {
  const props = Object.entries(properties)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(',')
  return `::${name}${props ? ` ${props}` : ''}::${escapeData(message)}`
}
