-- payees is a view, whose rows have no rowid
CREATE TABLE staff(id, role, site);
INSERT INTO staff VALUES ('A', 'AE', 'x'), ('B', 'AE', 'y'), ('A', 'SE', 'z');
CREATE VIEW payees AS SELECT id, role FROM staff;
CREATE TABLE deals(id, owner, closed, amount);
INSERT INTO deals VALUES ('D1', 'A', '2026-01-05', '100');
