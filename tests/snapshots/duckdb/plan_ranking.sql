-- segment count
SELECT
  COUNT(DISTINCT "market") AS d0,
  MAX(CASE WHEN "market" IS NULL THEN 1 ELSE 0 END) AS n0
FROM (
  SELECT
    "market",
    "ts"
  FROM "results" AS "p"
  WHERE
    "ts" >= CAST('2026-03-05 00:00:00' AS TIMESTAMP)
    AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
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
      ROW_NUMBER() OVER (PARTITION BY __bucket, __query ORDER BY __score DESC, __rel) AS __pos,
      ROW_NUMBER() OVER (PARTITION BY __bucket, __query ORDER BY __rel DESC) AS __ipos,
      SUM(CASE WHEN __rel > 0 THEN 1 ELSE 0 END) OVER (
        PARTITION BY __bucket, __query
        ORDER BY __score DESC, __rel
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) AS __hits
    FROM (
      SELECT
        CAST("ts" AS DATE) AS __bucket,
        "qid" AS __query,
        "score" AS __score,
        "relevance" AS __rel
      FROM (
        SELECT
          "qid",
          "relevance",
          "score",
          "ts"
        FROM "results" AS "p"
        WHERE
          "ts" >= CAST('2026-03-05 00:00:00' AS TIMESTAMP)
          AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
      ) AS m
      WHERE
        NOT "qid" IS NULL
        AND ABS(CAST("score" AS DOUBLE)) <= 1.7976931348623157e+308
        AND ABS(CAST("relevance" AS DOUBLE)) <= 1.7976931348623157e+308
        AND NOT "relevance" IS NULL
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
  "market",
  SUM(CAST(v0 AS DOUBLE)) AS v0,
  SUM(CAST(v1 AS DOUBLE)) AS v1
FROM (
  SELECT
    __bucket,
    "market",
    CASE
      WHEN SUM(CASE WHEN __ipos <= 5 THEN CAST(__rel AS DOUBLE) / LN(__ipos + 1) ELSE 0 END) > 0
      THEN SUM(CASE WHEN __pos <= 5 THEN CAST(__rel AS DOUBLE) / LN(__pos + 1) ELSE 0 END) / SUM(CASE WHEN __ipos <= 5 THEN CAST(__rel AS DOUBLE) / LN(__ipos + 1) ELSE 0 END)
      ELSE 0
    END AS v0,
    1 AS v1
  FROM (
    SELECT
      __bucket,
      "market",
      __query,
      __rel,
      ROW_NUMBER() OVER (PARTITION BY __bucket, "market", __query ORDER BY __score DESC, __rel) AS __pos,
      ROW_NUMBER() OVER (PARTITION BY __bucket, "market", __query ORDER BY __rel DESC) AS __ipos,
      SUM(CASE WHEN __rel > 0 THEN 1 ELSE 0 END) OVER (
        PARTITION BY __bucket, "market", __query
        ORDER BY __score DESC, __rel
        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW
      ) AS __hits
    FROM (
      SELECT
        CAST("ts" AS DATE) AS __bucket,
        "market",
        "qid" AS __query,
        "score" AS __score,
        "relevance" AS __rel
      FROM (
        SELECT
          "market",
          "qid",
          "relevance",
          "score",
          "ts"
        FROM "results" AS "p"
        WHERE
          "ts" >= CAST('2026-03-05 00:00:00' AS TIMESTAMP)
          AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
      ) AS m
      WHERE
        NOT "qid" IS NULL
        AND ABS(CAST("score" AS DOUBLE)) <= 1.7976931348623157e+308
        AND ABS(CAST("relevance" AS DOUBLE)) <= 1.7976931348623157e+308
        AND NOT "relevance" IS NULL
    ) AS r
  ) AS w
  GROUP BY
    __bucket,
    "market",
    __query
) AS q
GROUP BY
  __bucket,
  "market";

-- scalar scan
SELECT
  CAST("ts" AS DATE) AS __bucket,
  "market",
  COUNT("relevance") AS __p0,
  COUNT("score") AS __p1,
  COUNT(*) AS __p2,
  COUNT(CASE WHEN ABS(CAST("relevance" AS DOUBLE)) <= 1.7976931348623157e+308 THEN 1 END) AS __p3,
  COUNT(CASE WHEN ABS(CAST("score" AS DOUBLE)) <= 1.7976931348623157e+308 THEN 1 END) AS __p4
FROM (
  SELECT
    "market",
    "relevance",
    "score",
    "ts"
  FROM "results" AS "p"
  WHERE
    "ts" >= CAST('2026-03-05 00:00:00' AS TIMESTAMP)
    AND "ts" < CAST('2026-03-13 00:00:00' AS TIMESTAMP)
) AS m
GROUP BY
  CAST("ts" AS DATE),
  "market";
