-- rowid, _rowid_ and oid are all columns: no name reaches the rowid
CREATE TABLE payees(id, role);
INSERT INTO payees VALUES ('A', 'AE');
CREATE TABLE deals(id, owner, closed, amount, rowid, _rowid_, oid);
INSERT INTO deals VALUES ('D1', 'A', '2026-01-05', '100', 1, 1, 1);
INSERT INTO deals VALUES ('D2', 'A', '2026-01-06', '1O0', 5, 5, 5);
