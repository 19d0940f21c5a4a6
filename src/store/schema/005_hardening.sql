-- chartroom store, version 5: the audit trail takes only the next row of its chain, and names
-- the encoding each row's hash was computed with; patients can carry a note about an SSN that
-- was sent but means "unknown".

-- NULL: the v1 encoding (rows written before this step); 2: the v2 encoding (store/audit/chain.rs).
ALTER TABLE audit ADD COLUMN enc INTEGER;

-- Refuses any row that is not the next one of the chain: its id must follow the newest row's,
-- its prev_hash must be the newest row's hash (32 zero bytes on an empty trail), and every
-- column must hold the type chartroom writes. A row with id 0 or -1, a back-dated row, or a
-- row with any hash of its own is refused here; whoever drops this trigger to get one in is
-- caught by `chartroom audit verify`, which checks that it is present.
CREATE TRIGGER audit_append_only BEFORE INSERT ON audit
WHEN NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM audit WHERE id > 0)
  OR NEW.prev_hash IS NOT coalesce(
       (SELECT hash FROM audit WHERE id > 0 ORDER BY id DESC LIMIT 1), zeroblob(32))
  OR typeof(NEW.hash) IS NOT 'blob' OR length(NEW.hash) IS NOT 32
  OR NEW.enc IS NOT 2 OR typeof(NEW.enc) IS NOT 'integer'
  OR typeof(NEW.at) IS NOT 'text'
  OR typeof(NEW.user_id) NOT IN ('integer', 'null')
  OR typeof(NEW.username) IS NOT 'text'
  OR typeof(NEW.os_login) NOT IN ('text', 'null')
  OR typeof(NEW.origin) NOT IN ('text', 'null')
  OR typeof(NEW.action) IS NOT 'text'
  OR typeof(NEW.patient_id) NOT IN ('integer', 'null')
  OR typeof(NEW.object) NOT IN ('text', 'null')
  OR typeof(NEW.outcome) IS NOT 'text'
  OR typeof(NEW.detail) NOT IN ('text', 'null')
BEGIN
  SELECT RAISE(ABORT, 'the audit trail takes only the next row of its chain, written by chartroom');
END;

-- Registration feeds send 000-00-0000 or 999-99-9999 to mean "no SSN known": such a patient
-- is stored with no SSN and this note, so the placeholder never matches another patient.
ALTER TABLE patients ADD COLUMN ssn_note TEXT;
