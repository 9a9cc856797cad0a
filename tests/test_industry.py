"""Pipelines as industry builds them: object stores, warehouse tables, SQL strings, Spark, orchestrators."""
from pathlib import Path

import pytest

from debtscan.artifacts import ArtifactKind, object_store_id, table_id
from debtscan.config import ConfigError
from debtscan.facts.sql import parse_sql
from debtscan.facts.values import Lit
from debtscan.knowledge import load_knowledge
from debtscan.testing import locations, scan_repo, write_repo


def scan(tmp_path: Path, files, config=None):
    write_repo(tmp_path, files)
    return scan_repo(tmp_path, config)


def accesses(project):
    return sorted((a.mode, a.artifact, a.module, a.line) for a in project.paths.accesses)


# -- artifact identifiers ------------------------------------------------------------------------------------
@pytest.mark.parametrize("uri, expected", [
    ("s3://lake/interim/daily_counts/", "s3://lake/interim/daily_counts"),
    ("s3a://lake/interim/daily_counts", "s3://lake/interim/daily_counts"),
    ("s3://lake/raw/events/date=*/", "s3://lake/raw/events"),
    ("s3://lake/raw/events/date=2024-01-01/region=eu/", "s3://lake/raw/events"),
    ("gs://bucket/x/*.parquet", "gs://bucket/x"),
    ("abfss://container@account.dfs.core.windows.net/silver/orders", "abfs://container@account.dfs.core.windows.net/silver/orders"),
    ("dbfs:/mnt/features/users", "dbfs://mnt/features/users"),
    ("hdfs:///data/clicks", "hdfs://data/clicks"),
    ("s3://bucket", None),
    ("s3://*/*", None),
    ("https://example.org/data.csv", None),
])
def test_object_store_uris_name_datasets_not_partitions(uri, expected):
    assert object_store_id(uri) == expected


def test_table_names_are_case_and_quote_insensitive():
    assert table_id('"Mart"."User_Totals"') == "warehouse:mart.user_totals"
    assert table_id("`proj.ds.events`") == "warehouse:proj.ds.events"
    assert table_id("select * from x") is None
    assert table_id("*") is None


# -- SQL strings -------------------------------------------------------------------------------------------
def test_a_select_reads_its_table_and_consumes_its_columns():
    facts = parse_sql("SELECT a, b FROM t")
    assert facts.reads == ("t",) and facts.writes == ()
    assert facts.columns == (("t", "a"), ("t", "b"))


def test_insert_select_with_a_cte_writes_the_target_and_reads_through_the_cte():
    facts = parse_sql("WITH paid AS (SELECT user_id, amount FROM raw.payments) "
                      "INSERT INTO mart.totals SELECT user_id, SUM(amount) AS total FROM paid GROUP BY user_id "
                      "ORDER BY total")
    assert facts.reads == ("raw.payments",)
    assert facts.writes == ("mart.totals",)
    assert set(facts.columns) == {("raw.payments", "user_id"), ("raw.payments", "amount")}


def test_create_table_as_and_aliases():
    facts = parse_sql("CREATE TABLE f AS SELECT u.id, o.n FROM users u JOIN orders o ON u.id = o.uid")
    assert facts.writes == ("f",) and facts.reads == ("users", "orders")
    assert ("orders", "n") in facts.columns and ("users", "id") in facts.columns


def test_spark_dialect_and_temporary_views():
    assert parse_sql("INSERT OVERWRITE TABLE db.t PARTITION (ds='1') SELECT a FROM db.s").writes == ("db.t",)
    temp = parse_sql("CREATE OR REPLACE TEMP VIEW v AS SELECT a FROM t")
    assert temp.writes == () and temp.reads == ("t",)


@pytest.mark.parametrize("text", ["SET search_path TO mart", "SELEC broken FROM", "hello", "",
                                  "SELECT " + "(" * 5000 + "1", "SELECT a FROM t " + "x" * 30000])
def test_what_is_not_sql_or_too_big_gives_no_facts(text):
    assert parse_sql(text) is None


# -- the four-file repository ----------------------------------------------------------------------
LAKEHOUSE = Path(__file__).resolve().parent.parent / "fixtures" / "lakehouse"


def test_spark_warehouse_and_airflow_hand_offs():
    report, project = scan_repo(LAKEHOUSE)
    assert accesses(project) == [
        ("read", "s3://lake/interim/daily_counts", "jobs/user_features.py", 8),
        ("read", "s3://lake/raw/events", "jobs/daily_counts.py", 7),
        ("read", "warehouse:user_features", "train.py", 9),
        ("read", "warehouse:user_features", "train.py", 10),
        ("write", "models/churn.joblib", "train.py", 14),
        ("write", "s3://lake/interim/daily_counts", "jobs/daily_counts.py", 13),
        ("write", "warehouse:user_features", "jobs/user_features.py", 11),
    ]
    kinds = {a.artifact: a.kind for a in project.paths.accesses}
    assert kinds["s3://lake/raw/events"] is ArtifactKind.OBJECT_STORE
    assert kinds["warehouse:user_features"] is ArtifactKind.WAREHOUSE_TABLE
    assert project.graph.nodes["artifact:warehouse:user_features"]["artifact_kind"] == "warehouse_table"
    assert [(s.script, s.order) for s in project.pipeline.steps] == [
        ("jobs/daily_counts.py", 0), ("jobs/user_features.py", 1), ("train.py", 2)]
    assert locations(report.findings, "DS201") == [
        ("jobs/daily_counts.py", 13), ("jobs/user_features.py", 8), ("jobs/user_features.py", 11),
        ("train.py", 9), ("train.py", 10)]
    assert not locations(report.findings, "DS406")  # the raw lake is another system's output
    message = next(f.message for f in report.findings if f.path == "train.py")
    assert "intermediate-table hand-off" in message


def test_sql_columns_are_signals_of_their_table(tmp_path):
    report, project = scan(tmp_path, {
        "train.py": """
            import pandas as pd
            features = pd.read_sql("SELECT user_id, spend FROM mart.users", "postgresql://wh")
        """})
    nodes = [n for n in project.graph.nodes if n.startswith("signal:spend")]
    assert nodes == ["signal:spend@warehouse:mart.users"]


# -- Spark -------------------------------------------------------------------------------------------------
def test_spark_reader_and_writer_chains(tmp_path):
    _, project = scan(tmp_path, {
        "job.py": """
            def run(spark, df):
                a = spark.read.format("delta").option("mergeSchema", "true").load("s3://lake/silver/users")
                b = spark.read.table("bronze.events")
                c = spark.table("bronze.sessions")
                d = spark.read.format("jdbc").option("dbtable", "crm.accounts").load()
                df.write.format("delta").mode("overwrite").save("s3://lake/gold/users/")
                df.write.mode("append").saveAsTable("gold.user_features")
                df.write.insertInto("gold.history")
                df.writeTo("gold.iceberg_users").append()
                spark.sql("INSERT INTO gold.daily SELECT * FROM silver.daily")
        """})
    assert [(m, a) for m, a, _, _ in accesses(project)] == [
        ("read", "s3://lake/silver/users"), ("read", "warehouse:bronze.events"),
        ("read", "warehouse:bronze.sessions"), ("read", "warehouse:crm.accounts"),
        ("read", "warehouse:silver.daily"), ("write", "s3://lake/gold/users"),
        ("write", "warehouse:gold.daily"), ("write", "warehouse:gold.history"),
        ("write", "warehouse:gold.iceberg_users"), ("write", "warehouse:gold.user_features")]
    formats = {a.artifact: a.fmt for a in project.paths.accesses}
    assert formats["s3://lake/silver/users"] == "delta"


def test_spark_columns_are_signals_and_to_pandas_is_glue(tmp_path):
    _, project = scan(tmp_path, {
        "job.py": """
            from pyspark.sql import SparkSession
            from pyspark.sql import functions as F
            spark = SparkSession.builder.getOrCreate()
            users = spark.read.parquet("s3://lake/users")
            agg = users.where(F.col("country") == "fr").groupBy("segment").agg(F.sum("spend"))
            joined = users.join(agg, on="segment")
            pdf = users.select("age", "spend").toPandas()
        """})
    names = {s.name for s in project.facts["job.py"].signals if s.name}
    assert {"country", "segment", "age", "spend"} <= names
    assert "read" not in names and "write" not in names  # spark.read, df.write are no columns
    statement = next(s for s in project.facts["job.py"].statements if s.line == 7)
    assert statement.kind == "glue" and "spark->pandas" in statement.adapters


# -- orchestrators -----------------------------------------------------------------------------------------
def test_airflow_python_operators_and_dependencies_order_the_steps(tmp_path):
    report, project = scan(tmp_path, {
        "etl/extract.py": """
            import pandas as pd
            def main():
                pd.read_csv("data/raw/x.csv").to_parquet("data/interim/x.parquet")
        """,
        "etl/train.py": """
            import pandas as pd
            def fit():
                pd.read_parquet("data/interim/x.parquet")
        """,
        "dags/dag.py": """
            from airflow import DAG
            from airflow.operators.python import PythonOperator
            from airflow.operators.bash import BashOperator
            from etl.extract import main
            from etl.train import fit
            with DAG("d") as dag:
                train = PythonOperator(task_id="train", python_callable=fit)
                extract = PythonOperator(task_id="extract", python_callable=main)
                notify = BashOperator(task_id="n", bash_command="echo done")
                train.set_upstream(extract)
                train >> notify
        """,
        "etl/__init__.py": "",
    })
    assert [(s.script, s.order) for s in project.pipeline.steps] == [("etl/extract.py", 0), ("etl/train.py", 1)]
    assert locations(report.findings, "DS201") == [("etl/extract.py", 3), ("etl/train.py", 3)]
    assert not locations(report.findings, "DS208")


def test_a_flow_that_runs_the_reader_first_is_read_before_write(tmp_path):
    report, _ = scan(tmp_path, {
        "tasks/a.py": """
            import pandas as pd
            from prefect import task
            @task
            def make():
                pd.DataFrame({"x": [1]}).to_sql("staging_x", "sqlite://")
        """,
        "tasks/b.py": """
            import pandas as pd
            from prefect import task
            @task
            def use():
                pd.read_sql_table("staging_x", "sqlite://")
        """,
        "tasks/__init__.py": "",
        "flow.py": """
            from prefect import flow
            from tasks.a import make
            from tasks.b import use
            @flow
            def nightly():
                use()
                make()
        """,
    })
    assert locations(report.findings, "DS208") == [("tasks/b.py", 5)]
    assert locations(report.findings, "DS201") == [("tasks/a.py", 5), ("tasks/b.py", 5)]


def test_spark_submit_commands_name_their_script():
    from debtscan.project.pipeline.runners import parse_command
    known = {"jobs/x.py": "jobs/x.py"}
    found, _ = parse_command("spark-submit --master yarn --conf a=b --verbose jobs/x.py --date 1", "", known)
    assert found == [("jobs/x.py", "")]


def test_a_dagster_asset_graph_is_declared():
    root = LAKEHOUSE.parent / "dagster-assets"
    report, project = scan_repo(root)
    assert [f for f in report.findings if f.code.startswith("DS2")] == []
    assert project.pipeline.is_declared("warehouse:order_features")
    assert len(project.pipeline.declared_handoffs) == 2 and project.handoffs == []


def test_an_asset_that_does_not_depend_on_the_writer_is_jungle(tmp_path):
    report, _ = scan(tmp_path, {
        "a.py": """
            import pandas as pd
            from dagster import asset
            @asset
            def users():
                pd.read_csv("data/raw/u.csv").to_sql("users", "duckdb://")
        """,
        "b.py": """
            import pandas as pd
            from dagster import asset
            @asset
            def report():
                pd.read_sql("SELECT age FROM users", "duckdb://")
        """,
    })
    assert locations(report.findings, "DS201") == [("a.py", 5), ("b.py", 5)]


def test_dbt_python_models_are_declared(tmp_path):
    report, project = scan(tmp_path, {
        "models/stg_orders.py": "def model(dbt, session):\n    return dbt.source('raw', 'orders')\n",
        "models/orders_features.py": "def model(dbt, session):\n    df = dbt.ref('stg_orders')\n    return df\n",
    })
    assert project.pipeline.is_declared("warehouse:stg_orders")
    assert not [f for f in report.findings if f.code.startswith("DS2")]


def test_declared_share_of_the_data_flow_is_a_metric():
    report, _ = scan_repo(LAKEHOUSE.parent / "dagster-assets")
    pipeline = report.metrics["pipeline"]
    assert pipeline["declared_flow_ratio"] == 1.0
    assert pipeline["artifacts_by_kind"]["warehouse_table"] == 2
    report, _ = scan_repo(LAKEHOUSE)
    assert report.metrics["pipeline"]["declared_flow_ratio"] == 0.0
    assert report.metrics["pipeline"]["orchestrated_steps"] == 3


# -- knowledge as data ---------------------------------------------------------------------------------------
def test_a_team_adds_its_own_warehouse_client(tmp_path):
    files = {
        "load.py": "import acme\nacme.wh.run_query('INSERT INTO mart.x SELECT a FROM raw.y')\n",
        "use.py": "import acme\nacme.wh.read_table('mart.x')\n",
    }
    config = {"knowledge": {"acme": {"sql": {"calls": {"acme.wh.run_query": 0}},
                                     "tables": {"reads": {"acme.wh.read_table": {"arg": 0}}}}}}
    report, project = scan(tmp_path, files, config)
    assert locations(report.findings, "DS201") == [("load.py", 2), ("use.py", 2)]


def test_a_wrong_shape_in_the_dataflow_knowledge_is_a_configuration_error():
    with pytest.raises(ConfigError, match="sql.calls"):
        load_knowledge(None, {"acme": {"sql": {"calls": ["x"]}}})


def test_temporary_views_and_system_catalogues_are_no_tables(tmp_path):
    _, project = scan(tmp_path, {
        "report.py": """
            def run(spark, conn):
                df = spark.read.parquet("s3://lake/gold/sales")
                df.createOrReplaceTempView("sales_view")
                spark.sql("SELECT region, SUM(amount) FROM sales_view GROUP BY region").show()
                conn.execute("SELECT 1 FROM pg_database WHERE datname = 'x'")
        """})
    assert [(m, a) for m, a, _, _ in accesses(project)] == [("read", "s3://lake/gold/sales")]


def test_integer_format_specs_shape_the_path(tmp_path):
    _, project = scan(tmp_path, {
        "job.py": """
            def run(spark):
                for month in range(1, 3):
                    spark.read.csv(f"data/raw/green/2020/{month:02d}/").write.parquet(f"data/pq/green/2020/{month:02d}/")
        """})
    assert ("write", "data/pq/green/2020/01") in [(m, a) for m, a, _, _ in accesses(project)]


def test_boto3_objects_are_object_store_artifacts(tmp_path):
    _, project = scan(tmp_path, {
        "upload.py": """
            import boto3
            s3 = boto3.client("s3")
            s3.upload_file("data/interim/scores.csv", "acme-ml", "scores/latest.csv")
            s3.put_object(Bucket="acme-ml", Key="flags/ready.txt", Body=b"1")
        """,
        "download.py": """
            import boto3
            session = boto3.Session()
            client = session.client("s3")
            obj = client.get_object(Bucket="acme-ml", Key="scores/latest.csv")
        """})
    assert [(m, a) for m, a, _, _ in accesses(project)] == [
        ("read", "data/interim/scores.csv"), ("read", "s3://acme-ml/scores/latest.csv"),
        ("write", "s3://acme-ml/flags/ready.txt"), ("write", "s3://acme-ml/scores/latest.csv")]


def test_duckdb_reads_files_in_from_and_copy_writes_them():
    facts = parse_sql("CREATE OR REPLACE TABLE trips AS (SELECT vendor_id FROM 'data/raw/trips.parquet')")
    assert facts.writes == ("trips",) and facts.file_reads == ("data/raw/trips.parquet",)
    assert parse_sql("SELECT * FROM read_csv_auto('data/x.csv', header=true)").file_reads == ("data/x.csv",)
    copy = parse_sql("COPY (SELECT a FROM t) TO 'out/x.parquet' (FORMAT PARQUET)")
    assert copy.reads == ("t",) and copy.file_writes == ("out/x.parquet",)


def test_mllib_fit_and_transform_are_a_model_and_its_predictions(tmp_path):
    _, project = scan(tmp_path, {
        "train.py": """
            from pyspark.ml.classification import LogisticRegression
            def run(spark):
                train = spark.read.parquet("s3://lake/features/train")
                test = spark.read.parquet("s3://lake/features/test")
                lr = LogisticRegression(featuresCol="features", labelCol="churned")
                model = lr.fit(train)
                scored = model.transform(test)
                scored.write.parquet("s3://lake/scores/churn")
        """})
    (model,) = project.facts["train.py"].models
    assert (model.api, model.kind) == ("pyspark.ml.classification.LogisticRegression", "fit")
    assert model.input_sources == (Lit("s3://lake/features/train"),)
    assert model.output_artifacts == (Lit("s3://lake/scores/churn"),)  # transform() made predictions


def test_gcs_blobs_are_followed_through_variables(tmp_path):
    _, project = scan(tmp_path, {
        "upload.py": """
            from google.cloud import storage
            BUCKET = "dtc-lake"
            def upload(local_file, object_name):
                client = storage.Client()
                bucket = client.bucket(BUCKET)
                blob = bucket.blob(object_name)
                blob.upload_from_filename(local_file)
            upload("data/interim/green.parquet", "raw/green.parquet")
        """,
        "read.py": """
            import pandas as pd
            df = pd.read_parquet("gs://dtc-lake/raw/green.parquet")
        """})
    assert ("write", "gs://dtc-lake/raw/green.parquet", "upload.py", 7) in accesses(project)
    assert [(w.module, r.module) for w, r in project.handoffs] == [("upload.py", "read.py")]


def test_a_notebook_that_downloads_its_input_produces_it(tmp_path):
    import json as _json
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
             for source in ["!wget https://example.org/misc/zones.csv\n",
                            "!head -n 100 trips.csv > head.csv\n",
                            "import pandas as pd\nzones = pd.read_csv('zones.csv')\nhead = pd.read_csv('head.csv')\n"
                            "other = pd.read_csv('data/processed/other.csv')\n"]]
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    report, _ = scan(tmp_path, {"explore.ipynb": _json.dumps(notebook)})
    assert [f.message.split("`")[1] for f in report.findings if f.code == "DS406"] == ["data/processed/other.csv"]


def test_spark_paths_without_a_scheme_are_cluster_paths_not_hard_coded_machine_paths(tmp_path):
    report, _ = scan(tmp_path, {
        "job.py": """
            import pandas as pd
            def run(spark):
                spark.read.parquet("/user/master/data/events").write.parquet("/user/analytics/events_by_day")
                pd.read_csv("/home/alice/data/x.csv")
        """})
    assert locations(report.findings, "DS205") == [("job.py", 4)]


def test_sql_the_parser_only_half_knows_is_silent(capsys, caplog):
    parse_sql.cache_clear()
    parse_sql("COPY STAGING.users (id) FROM LOCAL '/data/users.csv' DELIMITER ','")
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    assert not [r for r in caplog.records if r.name.startswith("sqlglot") and r.levelno < 40]


def test_db_api_parameters_are_values():
    facts = parse_sql("INSERT INTO dds.users (id, name) VALUES (%(id)s, %(name)s) ON CONFLICT (id) DO NOTHING")
    assert facts.writes == ("dds.users",)


def test_taskflow_tasks_run_the_loaders_they_call_in_dependency_order(tmp_path):
    report, project = scan(tmp_path, {
        "loaders/__init__.py": "",
        "loaders/users.py": """
            class UsersLoader:
                def load(self, cur):
                    cur.execute("INSERT INTO dds.users SELECT id, name FROM stg.users")
        """,
        "loaders/orders.py": """
            class OrdersLoader:
                def load(self, cur):
                    cur.execute("INSERT INTO dds.orders SELECT o.id, u.id FROM stg.orders o JOIN dds.users u ON o.uid = u.id")
        """,
        "dags/dds.py": """
            from airflow.decorators import dag, task
            from loaders.users import UsersLoader
            from loaders.orders import OrdersLoader

            @dag(schedule="@daily")
            def dds():
                @task
                def load_orders():
                    OrdersLoader().load(None)

                @task
                def load_users():
                    UsersLoader().load(None)

                orders = load_orders()
                users = load_users()
                users >> orders

            dds()
        """,
    })
    assert [(s.script, s.order) for s in project.pipeline.steps] == [("loaders/users.py", 0), ("loaders/orders.py", 1)]
    assert locations(report.findings, "DS201") == [("loaders/orders.py", 3), ("loaders/users.py", 3)]
    assert not locations(report.findings, "DS208")


def test_a_file_full_of_huge_queries_is_parsed_only_up_to_its_budget(tmp_path):
    query = "SELECT a FROM t{} WHERE " + " AND ".join(f"c{i} = {i}" for i in range(1200))
    lines = ["def run(cur):"] + [f"    cur.execute({query.format(n)!r})" for n in range(12)]
    _, project = scan(tmp_path, {"etl.py": "\n".join(lines) + "\n"})
    tables = {a.artifact for a in project.paths.accesses}
    assert "warehouse:t0" in tables and 1 <= len(tables) < 12
