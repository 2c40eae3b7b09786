-- segment count
SELECT
  COUNT(DISTINCT "MARKET") AS d0,
  MAX(CASE WHEN "MARKET" IS NULL THEN 1 ELSE 0 END) AS n0
FROM (
  SELECT
    "MARKET",
    "TS"
  FROM "RESULTS" AS "P"
  WHERE
    "TS" >= '2026-03-05' AND "TS" < '2026-03-13'
) AS m;

-- rank scan
SELECT
  __bucket,
  SUM(CAST(v0 AS DOUBLE)) AS v0,
  SUM(CAST(v1 AS DOUBLE)) AS v1
FROM (
  SELECT
    __bucket,
    CASE
      WHEN SUM(CASE WHEN __rel > 0 THEN 1 ELSE 0 END) > 0
      THEN SUM(
        CASE
          WHEN __rel > 0 AND __pos <= 10
          THEN CAST(__hits AS DOUBLE) / CAST(__pos AS DOUBLE)
          ELSE 0
        END
      ) / CAST(CASE
        WHEN SUM(CASE WHEN __rel > 0 THEN 1 ELSE 0 END) < 10
        THEN SUM(CASE WHEN __rel > 0 THEN 1 ELSE 0 END)
        ELSE 10
      END AS DOUBLE)
      ELSE 0
    END AS v0,
    MAX(CASE WHEN __rel > 0 THEN 1.0 / CAST(__pos AS DOUBLE) ELSE 0 END) AS v1
  FROM (
    SELECT
      __bucket,
      __query,
      __rel,
      ROW_NUMBER() OVER (PARTITION BY __bucket, __query ORDER BY __score DESC NULLS LAST, __rel) AS __pos,
      ROW_NUMBER() OVER (PARTITION BY __bucket, __query ORDER BY __rel DESC NULLS LAST) AS __ipos,
      SUM(CASE WHEN __rel > 0 THEN 1 ELSE 0 END) OVER (
        PARTITION BY __bucket, __query
        ORDER BY __score DESC NULLS LAST, __rel
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) AS __hits
    FROM (
      SELECT
        DATE_TRUNC('DAY', CAST("TS" AS TIMESTAMPLTZ)) AS __bucket,
        "QID" AS __query,
        "SCORE" AS __score,
        "RELEVANCE" AS __rel
      FROM (
        SELECT
          "QID",
          "RELEVANCE",
          "SCORE",
          "TS"
        FROM "RESULTS" AS "P"
        WHERE
          "TS" >= '2026-03-05' AND "TS" < '2026-03-13'
      ) AS m
      WHERE
        NOT "QID" IS NULL
        AND ABS(CAST("SCORE" AS DOUBLE)) <= 1.7976931348623157e+308
        AND ABS(CAST("RELEVANCE" AS DOUBLE)) <= 1.7976931348623157e+308
        AND NOT "RELEVANCE" IS NULL
    ) AS r
  ) AS w
  GROUP BY
    __bucket,
    __query
) AS q
GROUP BY
  __bucket;

-- rank scan
SELECT
  __bucket,
  "MARKET",
  SUM(CAST(v0 AS DOUBLE)) AS v0,
  SUM(CAST(v1 AS DOUBLE)) AS v1
FROM (
  SELECT
    __bucket,
    "MARKET",
    CASE
      WHEN SUM(CASE WHEN __ipos <= 5 THEN CAST(__rel AS DOUBLE) / LN(__ipos + 1) ELSE 0 END) > 0
      THEN SUM(CASE WHEN __pos <= 5 THEN CAST(__rel AS DOUBLE) / LN(__pos + 1) ELSE 0 END) / SUM(CASE WHEN __ipos <= 5 THEN CAST(__rel AS DOUBLE) / LN(__ipos + 1) ELSE 0 END)
      ELSE 0
    END AS v0,
    1 AS v1
  FROM (
    SELECT
      __bucket,
      "MARKET",
      __query,
      __rel,
      ROW_NUMBER() OVER (PARTITION BY __bucket, "MARKET", __query ORDER BY __score DESC NULLS LAST, __rel) AS __pos,
      ROW_NUMBER() OVER (PARTITION BY __bucket, "MARKET", __query ORDER BY __rel DESC NULLS LAST) AS __ipos,
      SUM(CASE WHEN __rel > 0 THEN 1 ELSE 0 END) OVER (
        PARTITION BY __bucket, "MARKET", __query
        ORDER BY __score DESC NULLS LAST, __rel
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) AS __hits
    FROM (
      SELECT
        DATE_TRUNC('DAY', CAST("TS" AS TIMESTAMPLTZ)) AS __bucket,
        "MARKET",
        "QID" AS __query,
        "SCORE" AS __score,
        "RELEVANCE" AS __rel
      FROM (
        SELECT
          "MARKET",
          "QID",
          "RELEVANCE",
          "SCORE",
          "TS"
        FROM "RESULTS" AS "P"
        WHERE
          "TS" >= '2026-03-05' AND "TS" < '2026-03-13'
      ) AS m
      WHERE
        NOT "QID" IS NULL
        AND ABS(CAST("SCORE" AS DOUBLE)) <= 1.7976931348623157e+308
        AND ABS(CAST("RELEVANCE" AS DOUBLE)) <= 1.7976931348623157e+308
        AND NOT "RELEVANCE" IS NULL
    ) AS r
  ) AS w
  GROUP BY
    __bucket,
    "MARKET",
    __query
) AS q
GROUP BY
  __bucket,
  "MARKET";

-- scalar scan
SELECT
  DATE_TRUNC('DAY', CAST("TS" AS TIMESTAMPLTZ)) AS __bucket,
  "MARKET",
  COUNT("RELEVANCE") AS __p0,
  COUNT("SCORE") AS __p1,
  COUNT(*) AS __p2,
  COUNT(CASE WHEN ABS(CAST("RELEVANCE" AS DOUBLE)) <= 1.7976931348623157e+308 THEN 1 END) AS __p3,
  COUNT(CASE WHEN ABS(CAST("SCORE" AS DOUBLE)) <= 1.7976931348623157e+308 THEN 1 END) AS __p4
FROM (
  SELECT
    "MARKET",
    "RELEVANCE",
    "SCORE",
    "TS"
  FROM "RESULTS" AS "P"
  WHERE
    "TS" >= '2026-03-05' AND "TS" < '2026-03-13'
) AS m
GROUP BY
  DATE_TRUNC('DAY', CAST("TS" AS TIMESTAMPLTZ)),
  "MARKET";
