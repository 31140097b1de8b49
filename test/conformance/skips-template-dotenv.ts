export const templateDotenvSkips: Readonly<Record<string, string>> = {};
