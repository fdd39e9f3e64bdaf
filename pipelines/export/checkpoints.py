"""核实要点: what a cadre checks at the door for a case, one sentence per rule code.

Codes DESIGN §6 names are listed; a code not listed here (a rule added since, or a code §6
reserves without defining it) gets the general sentence, so a new rule never stops a
worklist. Add its sentence here when the rule lands in `pipelines/reconcile/rules.py`.
"""

from __future__ import annotations

GENERAL = "对照各部门记录入户核实，说明哪个部门的记录与实际情况不符。"

CHECKPOINTS = {
    "ID-01": "查看本人身份证原件，核对证件号码，说明是哪个部门录错。",
    "ID-02": "查看本人身份证原件，确认现用的18位号码，请登记15位旧号的部门更正。",
    "ID-03": "查看本人身份证原件，抄录完整号码，请号码被截断的部门重新录入。",
    "ID-04": "查看本人身份证原件，核对登记的性别和出生日期是否与证件一致。",
    "ID-05": "查看本人身份证原件，核对姓名，说明哪个部门登记的姓名有误。",
    "ID-07": "核实此人实际在哪一户，另一户中的登记应注销。",
    "DUP-01": "核实同一人的两条记录哪条属实，请该部门删除错误或重复的记录。",
    "HH-01": "核实该户户主是谁，每户应有且只有一名户主。",
    "HH-03": "核实该户的户类型和监测对象类别，二者应相符。",
    "HH-04": "入户核算家庭人均纯收入，低于监测线的按程序纳入监测对象。",
    "HH-05": "核实风险识别和消除的时间，监测不满6个月的不应标注风险消除。",
    "YL-01": "核实学生本学期是否在读、是否已申请雨露计划补助，符合条件的及时补发。",
    "YL-02": "核实该户是否为脱贫户或监测对象，不符合条件领取的补助应追回。",
    "YL-03": "核实该生同一学期是否领了两次补助，多领的部分应追回。",
    "YL-04": "向学生家庭或学校核实在读状态，未在读的应停发补助。",
    "YL-05": "核实学生的毕业时间，毕业后发放的补助应追回。",
    "YL-07": "核对发放金额与该学期、该学历层次的补助标准是否一致。",
    "YL-08": "核实此人是否已去世，去世后发放的补助应追回。",
    "EMP-01": "走访该毕业生，了解就业意愿，补录到意愿台账。",
    "EMP-03": "核实本人目前是否就业，请登记有误的一方更正就业状态。",
    "EMP-05": "核实此人是否为新成长劳动力，是的补录入清单1并调查意愿。",
    "LINK-02": "核实此人实际所属的户编号，请登记有误的部门更正。",
}


def checkpoint(rule_code: str) -> str:
    return CHECKPOINTS.get(rule_code, GENERAL)
