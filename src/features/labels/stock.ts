// Label stocks a factory buys, with their exact geometry, and what each label prints and encodes.
import { LabelRenderError } from "./symbols";

export type StockId = "roll-50x30" | "roll-100x50" | "a4-3x8" | "a4-4x10";

/** One kind of label stock: a page, and a grid of labels on it, all in millimetres. */
export interface LabelStock {
  id: StockId;
  description: string;
  pageWidthMm: number;
  pageHeightMm: number;
  columns: number;
  rows: number;
  labelWidthMm: number;
  labelHeightMm: number;
  /** From the page's left and top edge to the first label's. */
  marginLeftMm: number;
  marginTopMm: number;
  /** From one label's left (top) edge to the next one's: label size plus the gap. */
  pitchXMm: number;
  pitchYMm: number;
  /** A roll feeds one label per page: a thermal printer prints it, and ZPL describes it. */
  roll: boolean;
}

// The A4 sheets are the geometry of the commonest stock of each grid (Avery 3475 and 3657, and
// the same layouts sold under other brands): labels butt against each other, no gaps.
export const LABEL_STOCKS: Record<StockId, LabelStock> = {
  "roll-50x30": {
    id: "roll-50x30",
    description: "Thermal roll label 50 × 30 mm, one label per page",
    ...roll(50, 30),
  },
  "roll-100x50": {
    id: "roll-100x50",
    description: "Thermal roll label 100 × 50 mm, one label per page",
    ...roll(100, 50),
  },
  "a4-3x8": {
    id: "a4-3x8",
    description: "A4 sheet of 24 labels 70 × 36 mm, 3 × 8 (Avery 3475 layout)",
    pageWidthMm: 210,
    pageHeightMm: 297,
    columns: 3,
    rows: 8,
    labelWidthMm: 70,
    labelHeightMm: 36,
    marginLeftMm: 0,
    marginTopMm: 4.5,
    pitchXMm: 70,
    pitchYMm: 36,
    roll: false,
  },
  "a4-4x10": {
    id: "a4-4x10",
    description: "A4 sheet of 40 labels 48.5 × 25.4 mm, 4 × 10 (Avery 3657 layout)",
    pageWidthMm: 210,
    pageHeightMm: 297,
    columns: 4,
    rows: 10,
    labelWidthMm: 48.5,
    labelHeightMm: 25.4,
    marginLeftMm: 8,
    marginTopMm: 21.5,
    pitchXMm: 48.5,
    pitchYMm: 25.4,
    roll: false,
  },
};

export const STOCK_IDS = Object.keys(LABEL_STOCKS) as [StockId, ...StockId[]];
export const ROLL_STOCK_IDS = STOCK_IDS.filter((id) => LABEL_STOCKS[id].roll) as [
  StockId,
  ...StockId[],
];

function roll(width: number, height: number) {
  return {
    pageWidthMm: width,
    pageHeightMm: height,
    columns: 1,
    rows: 1,
    labelWidthMm: width,
    labelHeightMm: height,
    marginLeftMm: 0,
    marginTopMm: 0,
    pitchXMm: width,
    pitchYMm: height,
    roll: true,
  };
}

export function labelStock(id: string, field = "stock"): LabelStock {
  const stock = LABEL_STOCKS[id as StockId];
  if (!stock) {
    throw new LabelRenderError(
      "validation_failed",
      `${field}: unknown label stock ${id}; one of ${STOCK_IDS.join(", ")}`,
    );
  }
  return stock;
}

/** Top-left corner of the label at `index` on its page, in mm from the page's top-left. */
export function labelOrigin(stock: LabelStock, index: number): { xMm: number; yMm: number } {
  const slot = index % (stock.columns * stock.rows);
  return {
    xMm: stock.marginLeftMm + (slot % stock.columns) * stock.pitchXMm,
    yMm: stock.marginTopMm + Math.floor(slot / stock.columns) * stock.pitchYMm,
  };
}

export const MM_PER_INCH = 25.4;
export const POINTS_PER_MM = 72 / MM_PER_INCH;
