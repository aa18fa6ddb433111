/** What a property list holds. Data is a Buffer; integers and reals are both `number`. */
export type PlistValue = string | number | boolean | Date | Buffer | PlistValue[] | PlistDict
export interface PlistDict {
  [key: string]: PlistValue
}
