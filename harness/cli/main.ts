export async function main(argv: string[]): Promise<number> {
  console.log('syncwright', argv.join(' '));
  return 0;
}
