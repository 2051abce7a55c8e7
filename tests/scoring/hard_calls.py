"""Extra labelled calls written for these tests, in other words than the dev corpus.

Each call is ``(name, segments, expected)``; segments are ``(speaker, start, end, text)``
or ``(speaker, text)`` (no timestamps), with an optional confidence as a fifth field.
``expected`` lists only the items the call is about; verdicts follow the 12345 standard.
"""

from __future__ import annotations

from typing import Any

A, C = "agent", "caller"
OPEN = "您好，12345政务服务便民热线，工号2046，很高兴为您服务。"

CALLS: list[tuple[str, list[tuple[Any, ...]], dict[str, str]]] = [
    (
        "multi_topic_spoken_numbers",
        [
            (A, 0.4, 6.0, OPEN),
            (
                C,
                6.5,
                18.0,
                "你好，我问两个事。我名下已经有一套了，又买了套新房，一百三十平米，这契税咋算？还有我媳妇想办居住证。",
            ),
            (
                A,
                18.5,
                30.0,
                "好的。您这是家庭第二套，面积一百四十平米以内的按百分之一，超过一百四十的是百分之二，您一百三十平就是百分之一。",
            ),
            (C, 30.5, 33.0, "那我要带点啥？"),
            (A, 33.5, 45.0, "您带上身份证、网签合同、购房发票，再带上户口本和结婚证。"),
            (C, 45.5, 48.0, "好。那居住证呢？"),
            (
                A,
                48.5,
                62.0,
                "居住证需要在本市住满六个月，有稳定住所或者稳定工作都行。材料是身份证、两张一寸照片和租赁合同。",
            ),
            (C, 62.5, 64.0, "行，记住了。"),
            (A, 64.5, 72.0, "我复述一下，您咨询的是第二套房契税和您爱人办居住证，是吧？"),
            (C, 72.5, 73.0, "对。"),
            (A, 73.5, 77.0, "请问还有别的需要吗？"),
            (C, 77.5, 78.5, "没了，谢谢。"),
            (A, 79.0, 81.0, "不客气，再见。"),
        ],
        {
            "opening": "pass",
            "confirm_request": "pass",
            "closing": "pass",
            "deed_tax_rate": "pass",
            "residence_permit_conditions": "pass",
            "one_time_notice": "pass",
            "empathy": "na",
            "forbidden_phrases": "pass",
            "no_hostility": "pass",
            "hold_etiquette": "na",
        },
    ),
    (
        "wrong_rate_colloquial",
        [
            (A, 0.3, 5.0, "你好，幺二三四五热线，三二一号话务员。"),
            (C, 5.5, 12.0, "我第一次买房，一百六十平的，契税多少？"),
            (A, 12.5, 20.0, "首套的话，超过一百四的按百分之二交，您这个就是百分之二。"),
            (C, 20.5, 22.0, "哦好的，谢谢。"),
            (A, 22.5, 26.0, "还有其他问题吗？感谢来电，再见。"),
        ],
        {"opening": "pass", "deed_tax_rate": "fail", "closing": "pass"},
    ),
    (
        "homophone_noise",
        [
            (A, 0.5, 5.5, "您好一二三四五政务服务热线公号一零二三很高兴为您服务", 0.8),
            (C, 6.0, 14.0, "你好我想问下七税怎么交首套够房九十平", 0.8),
            (
                A,
                14.5,
                24.0,
                "首套一百四十平方米以下的七税是百分之一以上是百分之一点五您这个按百分之一",
                0.82,
            ),
            (C, 24.5, 27.0, "要带啥材料", 0.9),
            (A, 27.5, 38.0, "身分证够房合同够房发票还有家庭住房情况正明", 0.79),
            (A, 38.5, 45.0, "我跟您和实一下您是首套九十平问七税对吗", 0.8),
            (C, 45.5, 46.0, "对", 0.9),
            (A, 46.5, 50.0, "请问还有其他可以帮您的吗感谢您的来电再见", 0.85),
        ],
        {
            "opening": "pass",
            "confirm_request": "pass",
            "deed_tax_rate": "pass",
            "one_time_notice": "pass",
            "closing": "pass",
        },
    ),
    (
        "paraphrased_empathy",
        [
            (A, 0.4, 6.0, OPEN),
            (C, 6.5, 16.0, "我这个社保卡补办的事都打了四五回了，一直没人给我解决，到底怎么回事？"),
            (A, 16.5, 24.0, "真是不好意思，让您这么折腾。您带身份证去合作银行网点就能当场补。"),
            (C, 24.5, 26.0, "好吧。"),
            (A, 26.5, 33.0, "我跟您确认一下，您是社保卡需要补办对吧？"),
            (C, 33.5, 34.0, "对。"),
            (A, 34.5, 38.0, "还有什么需要帮您的吗？谢谢来电。"),
        ],
        {"empathy": "pass", "one_time_notice": "pass", "no_hostility": "pass", "closing": "pass"},
    ),
    (
        "paraphrased_hostility",
        [
            (A, 0.4, 6.0, OPEN),
            (C, 6.5, 14.0, "你们这网站上写的根本看不懂，办个居住证怎么这么麻烦！"),
            (A, 14.5, 20.0, "上面写得清清楚楚，你自己不会看啊？"),
            (C, 20.5, 24.0, "你这什么态度！"),
            (A, 24.5, 28.0, "你吼什么吼，这跟我有什么关系。"),
        ],
        {"no_hostility": "fail", "empathy": "fail", "closing": "fail"},
    ),
    (
        "no_timestamps",
        [
            (A, OPEN),
            (C, "你好，我家楼下烧烤店太吵了。"),
            (A, "我跟您核实一下，您反映的是楼下烧烤店噪音扰民，对吗？"),
            (C, "对。"),
            (A, "好的，请问还有其他可以帮您的吗？感谢您的来电，再见。"),
        ],
        {
            "opening": "pass",
            "confirm_request": "pass",
            "closing": "pass",
            "no_interruption": "review",
            "hold_etiquette": "review",
            "deed_tax_rate": "na",
        },
    ),
    (
        "unknown_speakers",
        [
            ("unknown", 0.5, 5.0, OPEN),
            ("unknown", 5.5, 10.0, "我想问问居住证怎么办。"),
            ("unknown", 10.5, 15.0, "住满半年，有稳定就业就行。"),
        ],
        {"opening": "review", "confirm_request": "review", "forbidden_phrases": "review"},
    ),
    (
        "low_confidence_forbidden",
        [
            (A, 0.4, 6.0, OPEN, 0.95),
            (C, 6.5, 10.0, "我想问问供暖的事。", 0.9),
            (A, 10.5, 14.0, "这个我不知道啊。", 0.45),
            (A, 14.5, 18.0, "我跟您核实一下，您问的是供暖对吧？还有其他问题吗？再见。", 0.9),
        ],
        {"forbidden_phrases": "review", "opening": "pass"},
    ),
    (
        "residence_invented_condition",
        [
            (A, 0.4, 6.0, OPEN),
            (C, 6.5, 10.0, "居住证要什么条件？"),
            (A, 10.5, 20.0, "得在这边住满半年，另外一定要有本地社保，交满一年才行。"),
            (C, 20.5, 22.0, "好吧。"),
        ],
        {"residence_permit_conditions": "fail", "deed_tax_rate": "na"},
    ),
    (
        "late_empathy_long_call",
        [(A, 0.4, 6.0, OPEN), (C, 6.5, 12.0, "你好，我想反映一下路灯的问题。")]
        + [
            (
                A if i % 2 == 0 else C,
                12.5 + i * 6,
                17.5 + i * 6,
                "好的，您继续说。" if i % 2 == 0 else "就是那条路一直很黑。",
            )
            for i in range(20)
        ]
        + [
            (C, 140.0, 146.0, "我都说了好几遍了，你们到底管不管？太过分了！"),
            (A, 146.5, 150.0, "您是哪个小区的？"),
            (C, 150.5, 152.0, "幸福小区。"),
            (A, 152.5, 156.0, "好的记下了。"),
            (C, 156.5, 158.0, "行。"),
            (A, 158.5, 162.0, "理解您的心情。请问还有其他问题吗？感谢来电，再见。"),
        ],
        {"empathy": "fail", "closing": "pass"},
    ),
    (
        "interruptions_and_unannounced_hold",
        [
            (A, 0.4, 6.0, OPEN),
            (C, 6.5, 15.0, "我想问一下，我家暖气片不热，已经好几天了，就是那个——"),
            (A, 13.2, 16.0, "哪个小区？"),
            (C, 16.5, 22.0, "东方小区三号楼，我跟物业说了他们——"),
            (A, 20.5, 23.0, "好的。"),
            (A, 40.0, 46.0, "我帮您转给热力公司了。"),
        ],
        {"no_interruption": "fail", "hold_etiquette": "fail"},
    ),
]

CALLS += [
    (
        "rates_in_points_and_areas_spoken",
        [
            (A, 0.4, 6.0, OPEN),
            (C, 6.5, 14.0, "我这是第二套房，一百五十来平，契税怎么算？"),
            (
                A,
                14.5,
                26.0,
                "二套的话一百四十个平方以内是一个点，超过的是两个点，您这一百五十平就按两个点交。",
            ),
            (C, 26.5, 28.0, "明白了。"),
        ],
        {"deed_tax_rate": "pass"},
    ),
    (
        "wrong_rate_in_points",
        [
            (A, 0.4, 6.0, OPEN),
            (C, 6.5, 14.0, "首套房，一百五十平，契税多少？"),
            (A, 14.5, 22.0, "首套超过一百四十平米的是一个点，您就按一个点交。"),
        ],
        {"deed_tax_rate": "fail"},
    ),
]

CALLS += [
    (
        "paraphrased_script_lines",
        [
            (A, 0.4, 6.0, "下午好，这里是12345市民服务热线，1046号为您服务。"),
            (C, 6.5, 13.0, "你好，我们家门口的井盖没了，你们派人来看看吧。"),
            (A, 13.5, 16.0, "好的，我这边查一下是哪个部门负责。"),
            (
                A,
                29.0,
                36.0,
                "不好意思久等了，是市政管理处。我给您登记：人民路12号门口井盖缺失，需要尽快补上，没错吧？",
            ),
            (C, 36.5, 37.0, "没错。"),
            (A, 37.5, 41.0, "您看还有什么要咨询的吗？那先这样，多谢您来电。"),
        ],
        {
            "opening": "pass",
            "confirm_request": "pass",
            "closing": "pass",
            "hold_etiquette": "pass",
            "empathy": "na",
            "one_time_notice": "na",
        },
    ),
]

CALLS += [
    (
        "rates_per_mille_and_days",
        [
            (A, 0.4, 6.0, OPEN),
            (C, 6.5, 14.0, "我首套房，一百六十平方，契税多少？另外居住证要住多久？"),
            (A, 14.5, 26.0, "首套一百四十平方以上的是千分之十五，您这套就是千分之十五。"),
            (A, 26.5, 34.0, "居住证要在本市住满一百八十天以上，有合法稳定住所就行。"),
        ],
        {"deed_tax_rate": "pass", "residence_permit_conditions": "pass"},
    ),
]
