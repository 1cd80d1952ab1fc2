"""Believable names for a rural township in Chongqing: surnames weighted as they are there."""


def _weighted(text: str) -> list[tuple[str, int]]:
    """ "陈:9 李:9" → [("陈", 9), ("李", 9)]"""
    return [(value, int(weight)) for value, weight in (item.split(":") for item in text.split())]


# The common surnames of the Chongqing countryside, commonest first, with relative weights.
SURNAMES = _weighted(
    "陈:9 李:9 刘:8 王:8 张:7 杨:6 黄:5 周:5 罗:5 吴:4 谭:4 冉:3 向:3 何:4 唐:4 邓:3 蒋:3 彭:3 "
    "曾:3 廖:3 熊:2 袁:2 胡:3 赵:3 徐:2 余:2 付:2 秦:2 任:2 文:2 田:2 冯:2 龙:1 谢:2 郑:2 雷:1 "
    "牟:1 程:1 苟:1 汪:1"
)

BOY_GIVEN = (
    "子轩 浩然 宇航 俊杰 梓豪 浩宇 博文 思远 家乐 天佑 明轩 一鸣 文博 雨泽 锦程 睿 鑫 磊 涛 杰 "
    "鹏 宇 浩 凯 俊熙 子墨 宇轩 梓睿 皓轩 晨阳 嘉豪 思源 家豪 志豪 俊宇 天宇 航 毅 建华 小龙 "
    "永康 佳明 承泽 奕辰 铭 乐乐 子涵 峻熙 欣然 泽宇"
).split()

GIRL_GIVEN = (
    "欣怡 梓涵 雨欣 思琪 诗涵 可馨 佳怡 紫萱 雨桐 梦瑶 若曦 语嫣 静怡 佳琪 婷 雪 丹 敏 琳 颖 "
    "一诺 梓萱 欣悦 雨涵 子琪 思雨 语桐 心怡 可欣 晓雯 婉清 佳欣 馨月 诗琪 芷若 悦 妍 小芳 "
    "玉兰 春燕 梦琪 安琪 雅琪 雨萱 沐晨 乐瑶 欣妍 嘉怡 晴"
).split()

# ID number region codes (GB/T 2260): mostly 璧山区, some born in neighbouring districts.
REGION_CODES = _weighted("500120:12 500106:1 500117:1 500118:1 500151:1")

ETHNICITIES = _weighted("汉族:96 土家族:3 苗族:1")
