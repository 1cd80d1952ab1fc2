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

# Where the parents of a Chongqing township work, weighted roughly as they go.
WORK_PLACES = _weighted(
    "广东省/深圳市:6 广东省/东莞市:5 广东省/广州市:3 广东省/佛山市:2 浙江省/杭州市:2 "
    "浙江省/宁波市:2 浙江省/温州市:1 江苏省/苏州市:3 江苏省/无锡市:1 上海市/浦东新区:2 "
    "福建省/厦门市:1 福建省/泉州市:1 北京市/朝阳区:1 四川省/成都市:2 重庆市/渝北区:3 "
    "新疆维吾尔自治区/乌鲁木齐市:1"
)
EMPLOYER_NAMES = "宏达 富强 鑫源 联发 华美 兴业 长城 顺达 金鹏 恒通".split()
EMPLOYER_TRADES = "电子 鞋业 服装 建筑工程 物流 家具 机械 食品 塑胶 五金".split()
VILLAGES = "白云村 龙凤村 建设村 石桥村 大兴村 新民村 青杠村 红岩村 太平村 双河村".split()
FATHER_GIVEN = "建国 志强 国平 德兵 小军 永红 明华 海波 大勇 建军 红兵 德明 勇 涛 平".split()
MOTHER_GIVEN = "秀英 小琴 春梅 红梅 玉兰 晓燕 丽 芳 霞 敏 英 桂英 小红 德琼 素芬".split()
GRANDPARENT_GIVEN = "德贵 泽云 国清 素华 玉珍 淑芬 德秀 朝明 文光 桂芳".split()
CHARACTERS = [
    "活泼开朗，爱说爱笑",
    "内向，不爱说话",
    "懂事，爱帮助同学",
    "有点倔强，需要耐心沟通",
    "胆小，需要多鼓励",
    "好动，上课注意力不集中",
    "独立，能照顾弟弟妹妹",
    "敏感，想念父母时会哭",
]
INTERESTS = "画画 唱歌 跑步 篮球 阅读 跳绳 书法 手工 乒乓球 讲故事".split()
ALLERGIES = ["青霉素过敏", "花生过敏", "对芒果过敏"]
CHRONIC = ["哮喘", "先天性心脏病（已手术）", "癫痫，按时服药"]
