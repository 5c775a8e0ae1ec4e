-- The producing company (business unit) on the contract; supporting
-- equipment (配套设备, no visits) flagged on the shipment.
ALTER TABLE contracts ADD COLUMN company text;
ALTER TABLE units ADD COLUMN supporting_equipment boolean;
