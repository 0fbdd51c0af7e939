"""Files attached to departments' replies (答复附件): checked, stored behind one interface."""
