SELECT
  SUM(CAST(CASE WHEN "has_car" THEN "income" END AS DOUBLE PRECISION)) AS p0,
  COUNT(*) AS p1,
  SUM(
    CAST(CASE WHEN "region" IN ('EU', 'US') THEN "annual premium" END AS DOUBLE PRECISION)
  ) AS p2,
  COUNT(CASE WHEN "region" IN ('EU', 'US') THEN "annual premium" END) AS p3,
  COUNT("age") AS p4,
  SUM(CAST("age" AS DOUBLE PRECISION)) AS p5,
  SUM(
    CASE
      WHEN ABS(CAST("age" AS DOUBLE PRECISION)) BETWEEN 1.4916681462400413e-154 AND 1.3407807929942596e+154
      THEN CAST("age" AS DOUBLE PRECISION) * CAST("age" AS DOUBLE PRECISION)
    END
  ) AS p6,
  MIN("age") AS p7,
  MAX("age") AS p8,
  MIN("income") AS p9,
  MAX("income") AS p10,
  COUNT(CASE WHEN "age" >= 30 OR "region" IS NULL THEN 1 END) AS p11,
  COUNT(CASE WHEN "age" >= 30 OR "region" IS NULL THEN "income" END) AS p12,
  COUNT(CASE WHEN NOT "has_car" AND NOT (
    "region" IN ('APAC')
  ) THEN 1 END) AS p13,
  COUNT(CASE WHEN NOT "defaulted" IS NULL OR NOT "label01" IS NULL THEN 1 END) AS p14,
  COUNT(CASE WHEN "score" >= 0.7 AND "label01" >= 0.5 THEN "score" END) AS p15,
  COUNT(CASE WHEN "score" >= 0.7 AND NOT (
    "label01" >= 0.5
  ) THEN "score" END) AS p16,
  COUNT(CASE WHEN NOT (
    "score" >= 0.7
  ) AND "label01" >= 0.5 THEN "score" END) AS p17,
  COUNT(CASE WHEN "approved" AND "defaulted" THEN "approved" END) AS p18,
  COUNT(CASE WHEN NOT "approved" AND NOT "defaulted" THEN "approved" END) AS p19,
  COUNT(CASE WHEN "approved" AND NOT "defaulted" THEN "approved" END) AS p20,
  COUNT(CASE WHEN NOT "approved" AND "defaulted" THEN "approved" END) AS p21,
  SUM(
    CAST(CASE
      WHEN NOT "defaulted" IS NULL
      THEN CASE
        WHEN "defaulted"
        THEN -LN(
          CASE
            WHEN "score" < 1e-15
            THEN 1e-15
            WHEN "score" > 0.999999999999999
            THEN 0.999999999999999
            ELSE "score"
          END
        )
        WHEN NOT "defaulted"
        THEN -LN(
          1 - CASE
            WHEN "score" < 1e-15
            THEN 1e-15
            WHEN "score" > 0.999999999999999
            THEN 0.999999999999999
            ELSE "score"
          END
        )
      END
    END AS DOUBLE PRECISION)
  ) AS p22,
  COUNT(CASE WHEN NOT "defaulted" IS NULL THEN "score" END) AS p23,
  SUM(
    CAST(ABS(CAST("price" AS DOUBLE PRECISION) - CAST("price_actual" AS DOUBLE PRECISION)) AS DOUBLE PRECISION)
  ) AS p24,
  COUNT(CAST("price" AS DOUBLE PRECISION) - CAST("price_actual" AS DOUBLE PRECISION)) AS p25,
  SUM(
    CAST(POWER(CAST("price" AS DOUBLE PRECISION) - CAST("price_actual" AS DOUBLE PRECISION), 2) AS DOUBLE PRECISION)
  ) AS p26,
  SUM(
    CAST(CASE
      WHEN "price_actual" <> 0
      THEN ABS(
        CAST((
          CAST("price" AS DOUBLE PRECISION) - CAST("price_actual" AS DOUBLE PRECISION)
        ) AS DOUBLE PRECISION) / NULLIF("price_actual", 0)
      )
    END AS DOUBLE PRECISION)
  ) AS p27,
  COUNT(
    CASE
      WHEN "price_actual" <> 0
      THEN ABS(
        CAST((
          CAST("price" AS DOUBLE PRECISION) - CAST("price_actual" AS DOUBLE PRECISION)
        ) AS DOUBLE PRECISION) / NULLIF("price_actual", 0)
      )
    END
  ) AS p28,
  COUNT(CASE WHEN NOT "price" IS NULL THEN "price_actual" END) AS p29,
  SUM(CAST(CASE WHEN NOT "price" IS NULL THEN "price_actual" END AS DOUBLE PRECISION)) AS p30,
  SUM(
    CASE
      WHEN NOT "price" IS NULL
      AND ABS(CAST("price_actual" AS DOUBLE PRECISION)) BETWEEN 1.4916681462400413e-154 AND 1.3407807929942596e+154
      THEN CAST("price_actual" AS DOUBLE PRECISION) * CAST("price_actual" AS DOUBLE PRECISION)
    END
  ) AS p31,
  MIN(CASE WHEN NOT "price" IS NULL THEN "price_actual" END) AS p32,
  MAX(CASE WHEN NOT "price" IS NULL THEN "price_actual" END) AS p33
FROM "predictions";
