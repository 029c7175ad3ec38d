// Pure: the shortest plausible dispatch-to-sign-off time between two GB/T 2260 regions.
import type { Thresholds } from "./thresholds";

/**
 * Province-level capitals (latitude, longitude in degrees), keyed by the two leading digits of
 * the GB/T 2260 code. Rounded to a hundredth of a degree (about a kilometre): the rule only
 * needs distances to within tens of kilometres.
 */
export const PROVINCE_CAPITALS: Readonly<Record<string, readonly [number, number]>> = {
  "11": [39.9, 116.4], // 北京
  "12": [39.13, 117.2], // 天津
  "13": [38.04, 114.51], // 河北 石家庄
  "14": [37.87, 112.55], // 山西 太原
  "15": [40.84, 111.75], // 内蒙古 呼和浩特
  "21": [41.8, 123.43], // 辽宁 沈阳
  "22": [43.82, 125.32], // 吉林 长春
  "23": [45.8, 126.53], // 黑龙江 哈尔滨
  "31": [31.23, 121.47], // 上海
  "32": [32.06, 118.8], // 江苏 南京
  "33": [30.27, 120.15], // 浙江 杭州
  "34": [31.82, 117.23], // 安徽 合肥
  "35": [26.07, 119.3], // 福建 福州
  "36": [28.68, 115.86], // 江西 南昌
  "37": [36.65, 117.0], // 山东 济南
  "41": [34.75, 113.62], // 河南 郑州
  "42": [30.59, 114.31], // 湖北 武汉
  "43": [28.23, 112.94], // 湖南 长沙
  "44": [23.13, 113.26], // 广东 广州
  "45": [22.82, 108.37], // 广西 南宁
  "46": [20.04, 110.35], // 海南 海口
  "50": [29.56, 106.55], // 重庆
  "51": [30.57, 104.07], // 四川 成都
  "52": [26.65, 106.63], // 贵州 贵阳
  "53": [25.04, 102.71], // 云南 昆明
  "54": [29.65, 91.13], // 西藏 拉萨
  "61": [34.34, 108.94], // 陕西 西安
  "62": [36.06, 103.83], // 甘肃 兰州
  "63": [36.62, 101.78], // 青海 西宁
  "64": [38.49, 106.23], // 宁夏 银川
  "65": [43.83, 87.62], // 新疆 乌鲁木齐
  "71": [25.03, 121.57], // 台湾 台北
  "81": [22.32, 114.17], // 香港
  "82": [22.2, 113.54], // 澳门
};

const EARTH_RADIUS_KM = 6371;

/** Great-circle distance in kilometres. */
export function haversineKm(a: readonly [number, number], b: readonly [number, number]): number {
  const rad = (d: number) => (d * Math.PI) / 180;
  const dLat = rad(b[0] - a[0]);
  const dLon = rad(b[1] - a[1]);
  const h =
    Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[0])) * Math.cos(rad(b[0])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

export type Proximity = "same_county" | "same_prefecture" | "same_province" | "other_province";

export function proximity(from: string, to: string): Proximity {
  if (from === to) return "same_county";
  if (from.slice(0, 4) === to.slice(0, 4)) return "same_prefecture";
  if (from.slice(0, 2) === to.slice(0, 2)) return "same_province";
  return "other_province";
}

export interface TransitFloor {
  proximity: Proximity;
  /** Capital-to-capital distance, between provinces whose capitals are known. */
  distanceKm: number | null;
  minHours: number;
}

/**
 * The least time a parcel can plausibly take from `from` to `to` (6-digit region codes). Between
 * provinces: the base time plus the flight over the capitals' distance less the slack for places
 * near a shared border. Unknown provinces fall back to the base time, so the rule never fires on
 * a guess.
 */
export function minTransitHours(from: string, to: string, t: Thresholds["transit"]): TransitFloor {
  const p = proximity(from, to);
  switch (p) {
    case "same_county":
      return { proximity: p, distanceKm: null, minHours: t.sameCountyHours };
    case "same_prefecture":
      return { proximity: p, distanceKm: null, minHours: t.samePrefectureHours };
    case "same_province":
      return { proximity: p, distanceKm: null, minHours: t.sameProvinceHours };
    case "other_province": {
      const a = PROVINCE_CAPITALS[from.slice(0, 2)];
      const b = PROVINCE_CAPITALS[to.slice(0, 2)];
      if (!a || !b) return { proximity: p, distanceKm: null, minHours: t.otherProvinceBaseHours };
      const distanceKm = haversineKm(a, b);
      const flight = Math.max(0, distanceKm - t.provinceSlackKm) / t.maxSpeedKmh;
      return {
        proximity: p,
        distanceKm: Math.round(distanceKm),
        minHours: Math.max(t.sameProvinceHours, t.otherProvinceBaseHours + flight),
      };
    }
  }
}
