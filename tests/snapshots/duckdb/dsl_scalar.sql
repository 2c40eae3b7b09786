SELECT
  SUM(CAST(CASE WHEN "has_car" THEN "income" END AS DOUBLE)) AS p0,
  COUNT(*) AS p1,
  SUM(CAST(CASE WHEN "region" IN ('EU', 'US') THEN "annual premium" END AS DOUBLE)) AS p2,
  COUNT(CASE WHEN "region" IN ('EU', 'US') THEN "annual premium" END) AS p3,
  SUM(CAST("age" AS DOUBLE) * CAST("age" AS DOUBLE)) AS p4,
  SUM(CAST("age" AS DOUBLE)) AS p5,
  COUNT("age") AS p6,
  MIN("income") AS p7,
  MAX("income") AS p8,
  COUNT(CASE WHEN "age" >= 30 OR "region" IS NULL THEN 1 END) AS p9,
  COUNT(CASE WHEN "age" >= 30 OR "region" IS NULL THEN "income" END) AS p10,
  COUNT(CASE WHEN NOT "has_car" AND NOT (
    "region" IN ('APAC')
  ) THEN 1 END) AS p11,
  COUNT(CASE WHEN NOT "defaulted" IS NULL OR NOT "label01" IS NULL THEN 1 END) AS p12,
  COUNT(CASE WHEN "score" >= 0.7 AND "label01" >= 0.5 THEN "score" END) AS p13,
  COUNT(CASE WHEN "score" >= 0.7 AND NOT (
    "label01" >= 0.5
  ) THEN "score" END) AS p14,
  COUNT(CASE WHEN NOT (
    "score" >= 0.7
  ) AND "label01" >= 0.5 THEN "score" END) AS p15,
  COUNT(CASE WHEN "approved" AND "defaulted" THEN "approved" END) AS p16,
  COUNT(CASE WHEN NOT "approved" AND NOT "defaulted" THEN "approved" END) AS p17,
  COUNT(CASE WHEN "approved" AND NOT "defaulted" THEN "approved" END) AS p18,
  COUNT(CASE WHEN NOT "approved" AND "defaulted" THEN "approved" END) AS p19,
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
    END AS DOUBLE)
  ) AS p20,
  COUNT(CASE WHEN NOT "defaulted" IS NULL THEN "score" END) AS p21,
  SUM(CAST(ABS(CAST("price" AS DOUBLE) - CAST("price_actual" AS DOUBLE)) AS DOUBLE)) AS p22,
  COUNT(CAST("price" AS DOUBLE) - CAST("price_actual" AS DOUBLE)) AS p23,
  SUM(
    CAST(POWER(CAST("price" AS DOUBLE) - CAST("price_actual" AS DOUBLE), 2) AS DOUBLE)
  ) AS p24,
  SUM(
    CAST(CASE
      WHEN "price_actual" <> 0
      THEN ABS(
        (
          CAST("price" AS DOUBLE) - CAST("price_actual" AS DOUBLE)
        ) / NULLIF("price_actual", 0)
      )
    END AS DOUBLE)
  ) AS p25,
  COUNT(
    CASE
      WHEN "price_actual" <> 0
      THEN ABS(
        (
          CAST("price" AS DOUBLE) - CAST("price_actual" AS DOUBLE)
        ) / NULLIF("price_actual", 0)
      )
    END
  ) AS p26,
  SUM(
    CAST(CASE WHEN NOT "price" IS NULL THEN POWER(CAST("price_actual" AS DOUBLE), 2) END AS DOUBLE)
  ) AS p27,
  SUM(CAST(CASE WHEN NOT "price" IS NULL THEN "price_actual" END AS DOUBLE)) AS p28
FROM "predictions";
