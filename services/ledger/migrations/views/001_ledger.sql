-- The visit ledger (顾客回访台帐), derived from the ledger topic's facts and
-- the survey topic's visit records. Facts arrive in any order, so every
-- column a later fact fills is nullable.

CREATE TABLE contracts (
    contract_id             text PRIMARY KEY,
    customer_id             text NOT NULL,
    customer_name           text NOT NULL,
    project_name            text NOT NULL,
    amount                  numeric(16, 2) NOT NULL,
    region                  text NOT NULL,
    power_contact_name      text NOT NULL,
    power_contact_phone     text NOT NULL,
    substation_contact_name  text NOT NULL,
    substation_contact_phone text NOT NULL,
    signed_on               date,
    tags                    jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX contracts_customer ON contracts (customer_id);

CREATE TABLE units (
    unit_id        text PRIMARY KEY,
    customer_id    text NOT NULL,
    contract_id    text,
    product_model  text,
    quantity       integer,
    serial_numbers text[] NOT NULL DEFAULT '{}',
    ship_date      date,
    installed_date date,
    power_on_date  date
);
CREATE INDEX units_customer ON units (customer_id);
CREATE INDEX units_contract ON units (contract_id);

CREATE TABLE retail_orders (
    order_id       text PRIMARY KEY,
    customer_id    text NOT NULL,
    store_id       text NOT NULL,
    delivered_date date NOT NULL,
    mode           text NOT NULL,
    customer_name  text,
    phone          text,
    region         text
);
CREATE INDEX retail_orders_customer ON retail_orders (customer_id);

-- Visit record numbers written back into the ledger row (unit or order).
CREATE TABLE visit_records (
    record_no   text PRIMARY KEY,
    customer_id text NOT NULL,
    subject_id  text NOT NULL,
    visit_id    text NOT NULL,
    kind        text NOT NULL,
    visited_on  date NOT NULL
);
CREATE INDEX visit_records_subject ON visit_records (subject_id, visited_on);
