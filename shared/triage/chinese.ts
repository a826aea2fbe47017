/**
 * Common characters whose simplified and traditional forms differ. Only pairs where neither form
 * is also an everyday character of the other script are listed (so not 后/後, 干/乾 or 台/臺): the
 * table tells the two scripts apart, and folds traditional text onto the simplified phrases of
 * the config and the lexicon. A hundred frequent pairs are enough for both; it is not a converter.
 */
const simplifiedTraditional =
  '这這 个個 们們 说說 国國 会會 来來 时時 对對 还還 没沒 为為 与與 过過 买買 卖賣 问問 题題 钱錢 货貨 ' +
  '单單 号號 应應 该該 开開 关關 让讓 给給 发發 现現 样樣 话話 请請 谢謝 务務 处處 实實 电電 长長 东東 ' +
  '车車 门門 见見 经經 动動 认認 无無 从從 边邊 点點 网網 码碼 账帳 诉訴 气氣 态態 费費 员員 联聯 坏壞 ' +
  '骗騙 满滿 递遞 运運 输輸 换換 愤憤 办辦 迟遲 终終 级級 质質 难難 烂爛 错錯 赔賠 偿償 订訂 购購 银銀 ' +
  '线線 机機 专專 业業 欢歡 爱愛 觉覺 总總 头頭 乐樂 产產 华華 湾灣 写寫 听聽 读讀 转轉 达達 规規 录錄';

const simplifiedOf = new Map<string, string>();
const traditionalOf = new Map<string, string>();
for (const [simplified, traditional] of simplifiedTraditional.split(' ').map((pair) => [...pair])) {
  simplifiedOf.set(traditional!, simplified!);
  traditionalOf.set(simplified!, traditional!);
}

/** The text with the listed traditional characters replaced by their simplified forms. */
export function toSimplified(text: string): string {
  let out = '';
  for (const char of text) out += simplifiedOf.get(char) ?? char;
  return out;
}

/** True when more of the listed characters appear in their traditional form than in their simplified one. */
export function mostlyTraditional(text: string): boolean {
  let balance = 0;
  for (const char of text) {
    if (simplifiedOf.has(char)) balance++;
    else if (traditionalOf.has(char)) balance--;
  }
  return balance > 0;
}
